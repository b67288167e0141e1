import { graphql } from '../gql';

/** What every mutation reads of a refusal: its code, message and the input field it is about. */
export const UserErrorFieldsFragment = graphql(`
  fragment UserErrorFields on UserError {
    code
    message
    field
  }
`);

/** The per-field problems of an InvalidInput refusal. */
export const InvalidInputFieldsFragment = graphql(`
  fragment InvalidInputFields on InvalidInput {
    fieldErrors {
      field
      code
      message
    }
  }
`);

/** How long to wait after a RateLimited refusal. */
export const RateLimitedFieldsFragment = graphql(`
  fragment RateLimitedFields on RateLimited {
    retryAfterSeconds
  }
`);
