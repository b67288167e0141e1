import { formatMonths, formatSeats, humanize } from '../../lib/format';
import { summariseProducts } from '../../lib/keyRequest';
import type { KeyRequestData } from './WizardPage';

/** The products the request's serials license, with seats and maintenance term. */
export function ProductSummary({ keyRequest }: { keyRequest: KeyRequestData }) {
  const products = summariseProducts(keyRequest.serials);
  if (products.length === 0) return null;
  return (
    <ul className="product-list" aria-label="Products in this request">
      {products.map(({ product, serials, seats, maintenanceMonths }) => (
        <li key={product.id} className="product-list__item">
          <div className="product-list__name">
            {product.name} <span className="muted">{product.version}</span>
          </div>
          <div className="product-list__facts">
            <span>{formatSeats(seats)}</span>
            <span>{formatMonths(maintenanceMonths)} maintenance</span>
            <span>{humanize(product.licenseModel)}</span>
            {product.locking === 'HOST' ? <span className="tag">Host-locked</span> : null}
            <span className="muted">
              {serials.length === 1 ? 'Serial' : 'Serials'} {serials.join(', ')}
            </span>
          </div>
        </li>
      ))}
    </ul>
  );
}
