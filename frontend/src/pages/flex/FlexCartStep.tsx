import { useId, useMemo, useState, type FormEvent } from 'react';
import { useMutation } from 'urql';
import { Alert } from '../../components/Alert';
import { describeError } from '../../components/ErrorNotice';
import { SubmitButton } from '../../components/SubmitButton';
import type { FlexDrawDownFieldsFragment } from '../../gql/graphql';
import {
  cartProblems,
  cartTotal,
  formatNumber,
  formatPoints,
  MAX_LINES,
  NO_FLEX_ERRORS,
  parseQuantity,
  placeFlexErrors,
  type CartLine,
  type PlacedFlexErrors,
} from '../../lib/flex';
import { userErrorText } from '../wizard/messages';
import type { KeyRequestUpdate } from '../wizard/useKeyRequest';
import { FlexDrawDownSetItemsMutation } from './documents';

export type FlexDrawDownData = FlexDrawDownFieldsFragment;

interface FlexCartStepProps {
  keyRequest: FlexDrawDownData;
  onUpdate: (next: KeyRequestUpdate<FlexDrawDownData>) => void;
  /** The cart as edited, kept by the page when the user goes to another step and back. */
  cart: CartLine[];
  onCartChange: (cart: CartLine[]) => void;
  onSaved: () => void;
}

/** The cart from the request as saved. */
export function savedCart(keyRequest: FlexDrawDownData): CartLine[] {
  return keyRequest.flexItems.map((line) => ({ productId: line.product.id, quantity: String(line.quantity) }));
}

/** Step 1: the contract's catalog with a search box, and the cart with a live point total against what can be drawn. */
export function FlexCartStep({ keyRequest, onUpdate, cart, onCartChange, onSaved }: FlexCartStepProps) {
  const contract = keyRequest.flexContract;
  const catalog = useMemo(() => contract?.catalog ?? [], [contract]);
  const [search, setSearch] = useState('');
  const [errors, setErrors] = useState<PlacedFlexErrors>(NO_FLEX_ERRORS);
  const [tried, setTried] = useState(false);
  const [{ fetching }, setItems] = useMutation(FlexDrawDownSetItemsMutation);
  const searchId = useId();
  const totalId = useId();

  if (!contract) return <p className="empty-note">This draw-down has no contract.</p>;

  const byId = new Map(catalog.map((item) => [item.product.id, item]));
  const term = search.trim().toLowerCase();
  const shown = catalog.filter((item) =>
    !term ? true : `${item.product.name} ${item.product.version} ${item.product.sku}`.toLowerCase().includes(term),
  );
  const total = cartTotal(cart, catalog);
  const drawable = contract.drawablePoints;
  const over = total > drawable;
  const problems = cartProblems(cart);
  const inCart = new Set(cart.map((line) => line.productId));

  const add = (productId: string) => {
    setErrors(NO_FLEX_ERRORS);
    if (inCart.has(productId)) {
      onCartChange(
        cart.map((line) =>
          line.productId === productId ? { ...line, quantity: String((parseQuantity(line.quantity) ?? 0) + 1) } : line,
        ),
      );
    } else {
      onCartChange([...cart, { productId, quantity: '1' }]);
    }
  };
  const setQuantity = (index: number, quantity: string) => {
    setErrors((current) => ({ ...current, lines: { ...current.lines, [index]: '' } }));
    onCartChange(cart.map((line, i) => (i === index ? { ...line, quantity } : line)));
  };
  const remove = (index: number) => {
    setErrors(NO_FLEX_ERRORS);
    onCartChange(cart.filter((_, i) => i !== index));
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    setErrors(NO_FLEX_ERRORS);
    if (cart.length === 0 || Object.keys(problems).length > 0 || over) {
      const firstInvalid = Object.keys(problems)[0];
      if (firstInvalid !== undefined) document.getElementById(`cart-qty-${firstInvalid}`)?.focus();
      return;
    }
    const items = cart.map((line) => ({ productId: line.productId, quantity: parseQuantity(line.quantity) ?? 0 }));
    const result = await setItems({ input: { keyRequestId: keyRequest.id, items } });
    if (result.error) {
      setErrors({ ...NO_FLEX_ERRORS, general: [describeError(result.error)] });
      return;
    }
    const outcome = result.data?.flexDrawDownSetItems;
    if (!outcome) return;
    if (outcome.__typename === 'FlexDrawDownSetItemsSuccess') {
      onUpdate(outcome.keyRequest);
      if (outcome.remainingPoints < 0) {
        setErrors({
          ...NO_FLEX_ERRORS,
          cart: [
            `The contract can no longer cover this cart: it costs ${formatPoints(outcome.costPoints)}, ${formatPoints(-outcome.remainingPoints)} more than can be drawn. Lower the quantities.`,
          ],
        });
        return;
      }
      onSaved();
      return;
    }
    if (outcome.__typename === 'InvalidInput') {
      setErrors(placeFlexErrors(outcome));
      return;
    }
    setErrors(placeFlexErrors({ ...outcome, message: userErrorText(outcome) }));
  };

  const lineError = (index: number) => errors.lines[index] || (tried ? problems[index] : undefined) || null;
  const overMessage = `This cart costs ${formatPoints(total)}, but only ${formatPoints(drawable)} can be drawn from ${contract.number}. Lower the quantities or remove a product.`;

  return (
    <form className="step flex-cart" onSubmit={onSubmit} noValidate>
      <p className="step__intro">
        Choose the products to deploy and how many units of each. Each product becomes one license, with maintenance until the end of the
        contract, and its points are deducted from {contract.number} when you confirm.
      </p>
      {errors.general.length ? (
        <Alert tone="error">
          <p>{errors.general.join(' ')}</p>
        </Alert>
      ) : null}

      <div className="flex-cart__layout">
        <section className="flex-cart__catalog" aria-labelledby="catalog-heading">
          <h3 className="section-title" id="catalog-heading">
            Catalog
          </h3>
          <div className="field">
            <label className="field__label" htmlFor={searchId}>
              Search the catalog
            </label>
            <input
              id={searchId}
              className="input"
              type="search"
              value={search}
              placeholder="Product name or SKU"
              onChange={(event) => setSearch(event.target.value)}
            />
          </div>
          <p className="visually-hidden" aria-live="polite">
            {shown.length} of {catalog.length} products shown
          </p>
          {shown.length === 0 ? (
            <p className="empty-note">{catalog.length === 0 ? 'The contract has no products in its catalog yet.' : `No product matches “${search}”.`}</p>
          ) : (
            <ul className="flex-catalog" aria-label="Catalog products">
              {shown.map((item) => (
                <li key={item.product.id} className="flex-catalog__item">
                  <div>
                    <span className="flex-catalog__name">
                      {item.product.name} <span className="muted">{item.product.version}</span>
                    </span>
                    <span className="block small muted">
                      <code className="mono">{item.product.sku}</code> · {formatPoints(item.pointsPerUnit)} per unit
                      {item.product.locking === 'HOST' ? ' · host-locked' : ''}
                    </span>
                  </div>
                  <button
                    type="button"
                    className="button button--secondary button--small"
                    onClick={() => add(item.product.id)}
                    disabled={!inCart.has(item.product.id) && cart.length >= MAX_LINES}
                  >
                    {inCart.has(item.product.id) ? 'Add one more' : 'Add'}{' '}
                    <span className="visually-hidden">{item.product.name}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>

        <section className="flex-cart__cart" aria-labelledby="cart-heading">
          <h3 className="section-title" id="cart-heading">
            Your cart
          </h3>
          {cart.length === 0 ? (
            <p className="empty-note">{tried ? 'Add at least one product to the cart.' : 'The cart is empty: add products from the catalog.'}</p>
          ) : (
            <ul className="flex-cart__lines" aria-label="Cart">
              {cart.map((line, index) => {
                const item = byId.get(line.productId);
                const error = lineError(index);
                const qtyId = `cart-qty-${index}`;
                const quantity = parseQuantity(line.quantity);
                return (
                  <li key={line.productId} className="flex-cart__line">
                    <div className="flex-cart__product">
                      <span className="flex-catalog__name">
                        {item ? item.product.name : 'A product no longer in the catalog'}{' '}
                        <span className="muted">{item?.product.version}</span>
                      </span>
                      <span className="block small muted">{item ? `${formatPoints(item.pointsPerUnit)} per unit` : ''}</span>
                    </div>
                    <div className={`field flex-cart__qty${error ? ' field--invalid' : ''}`}>
                      <label className="field__label" htmlFor={qtyId}>
                        Units<span className="visually-hidden"> of {item?.product.name ?? 'this product'}</span>
                      </label>
                      <input
                        id={qtyId}
                        className="input"
                        type="number"
                        inputMode="numeric"
                        min={1}
                        step={1}
                        value={line.quantity}
                        onChange={(event) => setQuantity(index, event.target.value)}
                        aria-invalid={error ? true : undefined}
                        aria-describedby={error ? `${qtyId}-error` : undefined}
                      />
                    </div>
                    <div className="flex-cart__points">
                      {item && quantity ? formatPoints(quantity * item.pointsPerUnit) : '—'}
                    </div>
                    <button type="button" className="button button--link flex-cart__remove" onClick={() => remove(index)}>
                      Remove <span className="visually-hidden">{item?.product.name ?? 'product'}</span>
                    </button>
                    {error ? (
                      <p className="field__error flex-cart__error" id={`${qtyId}-error`} role="alert">
                        {error}
                      </p>
                    ) : null}
                  </li>
                );
              })}
            </ul>
          )}
          <div className={`flex-total${over ? ' flex-total--over' : ''}`} id={totalId} aria-live="polite">
            <div className="flex-total__row">
              <span>Total</span>
              <strong data-testid="cart-total">{formatPoints(total)}</strong>
            </div>
            <div className="flex-total__row small">
              <span>Drawable on {contract.number}</span>
              <span>{formatPoints(drawable)}</span>
            </div>
            <div className="flex-total__row small">
              <span>Left after this draw-down</span>
              <span>{formatNumber(drawable - total)}</span>
            </div>
          </div>
          {over ? (
            <p className="field__error" role="alert">
              {overMessage}
            </p>
          ) : null}
          {errors.cart.map((message) => (
            <p key={message} className="field__error" role="alert">
              {message}
            </p>
          ))}
        </section>
      </div>

      <div className="wizard__nav wizard__nav--end">
        <SubmitButton busy={fetching} aria-describedby={totalId}>
          Continue
        </SubmitButton>
      </div>
    </form>
  );
}

/** The cart as a table, for the registration and confirm steps; `error` is shown under it. */
export function FlexCartSummary({
  keyRequest,
  errors = [],
  onEdit,
  bare = false,
}: {
  keyRequest: FlexDrawDownData;
  errors?: string[];
  onEdit?: () => void;
  /** Without its own section and heading, under a heading the step has already. */
  bare?: boolean;
}) {
  const contract = keyRequest.flexContract;
  const cost = keyRequest.flexCostPoints ?? 0;
  const edit = onEdit ? (
    <button type="button" className="button button--link" onClick={onEdit}>
      Change products
    </button>
  ) : null;
  const table = (
    <div className="table-wrap">
      <table className="table table--stack">
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Units</th>
            <th scope="col">Points per unit</th>
            <th scope="col">Points</th>
          </tr>
        </thead>
        <tbody>
          {keyRequest.flexItems.map((line) => (
            <tr key={line.product.id}>
              <td data-label="Product">
                <span>
                  {line.product.name} <span className="muted">{line.product.version}</span>
                </span>
              </td>
              <td data-label="Units">{formatNumber(line.quantity)}</td>
              <td data-label="Points per unit">{line.pointsPerUnit === null ? 'Not in the catalog' : formatNumber(line.pointsPerUnit)}</td>
              <td data-label="Points">{formatNumber(line.points)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>
              Total
            </th>
            <td data-label="Total">
              <strong>{formatPoints(cost)}</strong>
              {contract ? <span className="block small muted">{formatPoints(contract.drawablePoints)} drawable</span> : null}
            </td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
  if (bare) {
    return (
      <div className="flex-cart-summary">
        {table}
        {edit}
      </div>
    );
  }
  return (
    <section className="subsection" aria-labelledby="flex-cart-summary">
      <div className="subsection__header">
        <h3 className="section-title" id="flex-cart-summary">
          Products to draw down{contract ? ` from ${contract.number}` : ''}
        </h3>
        {edit}
      </div>
      {table}
      {errors.map((message) => (
        <p key={message} className="field__error" role="alert">
          {message}
        </p>
      ))}
    </section>
  );
}
