import { NavLink } from 'react-router-dom';

/** Between the pages about the signed-in user (not the company account). */
export function AccountTabs() {
  return (
    <nav className="tabs tabs--wrap" aria-label="Your account">
      <NavLink to="/account/profile" className="tabs__link">
        Profile and password
      </NavLink>
      <NavLink to="/account/security" className="tabs__link">
        Security
      </NavLink>
      <NavLink to="/account/tokens" className="tabs__link">
        API tokens
      </NavLink>
    </nav>
  );
}
