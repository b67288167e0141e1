import type { LicensesSetCustomValuesMutation } from '../../gql/graphql';
import { mapFieldErrors } from '../../lib/fieldErrors';

type Outcome = LicensesSetCustomValuesMutation['licensesSetCustomValues'];

/**
 * Where to show a refused licensesSetCustomValues: CustomValueRejected and
 * InvalidInput errors on "values.<n>.value" belong next to the value input;
 * anything else (e.g. licenseIds) above the form.
 */
export function customValueOutcome(outcome: Outcome): { valueError: string | null; formError: string | null } {
  switch (outcome.__typename) {
    case 'CustomValueRejected':
      return { valueError: outcome.message || `${outcome.customField.name} is not valid.`, formError: null };
    case 'InvalidInput': {
      const errors = mapFieldErrors(outcome.fieldErrors);
      const valueMessages = Object.entries(errors)
        .filter(([path]) => /^values(\.\d+)?(\.value)?$/.test(path))
        .map(([, message]) => message);
      const other = Object.entries(errors)
        .filter(([path]) => !/^values(\.\d+)?(\.value)?$/.test(path))
        .map(([, message]) => message);
      return {
        valueError: valueMessages.length ? valueMessages.join(' ') : null,
        formError: other.length ? other.join(' ') : valueMessages.length ? null : outcome.message || null,
      };
    }
    case 'NotFound':
      return {
        valueError: null,
        formError: outcome.message || 'Some of the selected licenses are not available to you; nothing was changed.',
      };
    default:
      return { valueError: null, formError: null };
  }
}
