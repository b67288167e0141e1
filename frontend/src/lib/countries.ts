/** ISO 3166-1 alpha-2 codes of all officially assigned countries and territories. */
export const ISO_COUNTRY_CODES: readonly string[] = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ ' +
  'BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ ' +
  'DE DJ DK DM DO DZ ' +
  'EC EE EG EH ER ES ET ' +
  'FI FJ FK FM FO FR ' +
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY ' +
  'HK HM HN HR HT HU ' +
  'ID IE IL IM IN IO IQ IR IS IT ' +
  'JE JM JO JP ' +
  'KE KG KH KI KM KN KP KR KW KY KZ ' +
  'LA LB LC LI LK LR LS LT LU LV LY ' +
  'MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ ' +
  'NA NC NE NF NG NI NL NO NP NR NU NZ ' +
  'OM ' +
  'PA PE PF PG PH PK PL PM PN PR PS PT PW PY ' +
  'QA ' +
  'RE RO RS RU RW ' +
  'SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ ' +
  'TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ ' +
  'UA UG UM US UY UZ ' +
  'VA VC VE VG VI VN VU ' +
  'WF WS ' +
  'YE YT ' +
  'ZA ZM ZW'
).split(' ');

export interface CountryOption {
  code: string;
  name: string;
}

function displayNames(locale?: string): Intl.DisplayNames | null {
  try {
    return new Intl.DisplayNames(locale ? [locale, 'en'] : ['en'], { type: 'region' });
  } catch {
    return null;
  }
}

/** The country's name in `locale`, or its code when the browser has no name for it. */
export function countryName(code: string, locale?: string): string {
  const upper = code.toUpperCase();
  const names = displayNames(locale);
  try {
    return names?.of(upper) ?? upper;
  } catch {
    return upper;
  }
}

/**
 * Options for a country select, sorted by name in `locale`. A code outside the
 * list (e.g. from an older registration) is kept so the value never disappears.
 */
export function countryOptions(locale?: string, include?: string | null): CountryOption[] {
  const codes = new Set(ISO_COUNTRY_CODES);
  if (include && /^[A-Za-z]{2}$/.test(include)) codes.add(include.toUpperCase());
  const names = displayNames(locale);
  const options = Array.from(codes, (code) => {
    let name = code;
    try {
      name = names?.of(code) ?? code;
    } catch {
      name = code;
    }
    return { code, name };
  });
  const collator = new Intl.Collator(locale ? [locale, 'en'] : ['en']);
  return options.sort((a, b) => collator.compare(a.name, b.name));
}
