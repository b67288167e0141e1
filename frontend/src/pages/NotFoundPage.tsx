import { Link } from 'react-router-dom';
import { usePageTitle } from '../components/usePageTitle';

export function NotFoundPage() {
  usePageTitle('Page not found');
  return (
    <div className="page">
      <h1 className="page__title">Page not found</h1>
      <p>The page you were looking for does not exist or has moved.</p>
      <p>
        <Link to="/" className="button button--primary">
          Go to the home page
        </Link>
      </p>
    </div>
  );
}
