import { NavLink } from 'react-router-dom';
import { useSession } from '../../session';

/** Switches between the account's licenses and licenses other accounts shared with the user. */
export function LicenseTabs() {
  const { membership } = useSession();
  return (
    <nav className="tabs" aria-label="License lists">
      {membership ? (
        <NavLink to="/licenses" end className="tabs__link">
          Account licenses
        </NavLink>
      ) : null}
      <NavLink to="/licenses/shared" className="tabs__link">
        Shared with me
      </NavLink>
    </nav>
  );
}
