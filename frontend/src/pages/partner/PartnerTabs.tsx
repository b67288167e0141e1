import { NavLink } from 'react-router-dom';

/** Switches between the partner's customers, its delegations and the serials it holds. */
export function PartnerTabs() {
  return (
    <nav className="tabs" aria-label="Partner pages">
      <NavLink to="/partner" end className="tabs__link">
        Customers
      </NavLink>
      <NavLink to="/partner/delegations" className="tabs__link">
        Delegations
      </NavLink>
      <NavLink to="/partner/held-serials" className="tabs__link">
        Held serials
      </NavLink>
    </nav>
  );
}
