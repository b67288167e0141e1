import { graphql } from '../../gql';

/** Every report over one account, or (accountId null) over every customer account the user's partner accounts manage. */
export const ReportsQuery = graphql(`
  query Reports($accountId: ID, $from: Date, $to: Date) {
    report(accountId: $accountId) {
      asOf
      managed
      accountCount
      licensesByProduct {
        status
        licenses
        seats
        product {
          id
          sku
          name
          version
        }
      }
      maintenanceByMonth {
        month
        licenses
        seats
      }
      keysIssued(from: $from, to: $to) {
        from
        to
        total
        byDay {
          day
          keys
        }
        byKind {
          kind
          keys
        }
      }
      activationsByProduct {
        seats
        activations
        activatedLicenses
        product {
          id
          sku
          name
          version
        }
      }
      portfolio {
        account {
          id
          name
          number
        }
        licenses
        active
        maintenanceEnding90Days
        keysIssued30Days
      }
    }
  }
`);
