/**
 * "Where do I find …?" answers, next to the fields that ask for these values
 * (components/FieldHelp) and, later, on a help page: each topic once, here.
 */

export interface HelpTopic {
  /** The disclosure's button text: the customer's question. */
  question: string;
  /** Short, concrete paragraphs. */
  answer: readonly string[];
  /** Example values, shown as code. */
  examples?: readonly { label: string; value: string }[];
}

export type HelpTopicId = 'serialNumber' | 'hostId' | 'notificationId';

export const HELP_TEXTS: Record<HelpTopicId, HelpTopic> = {
  serialNumber: {
    question: 'Where do I find my serial number?',
    answer: [
      'It is printed on your license certificate and repeated in the order confirmation e-mail, next to each product you bought.',
      'A serial number is one letter followed by 10 digits. Dashes and spaces are optional. New licenses start with M, renewals of maintenance with R, upgrades with U.',
    ],
    examples: [
      { label: 'New license', value: 'M123-456-7890' },
      { label: 'Renewal', value: 'R987-654-3210' },
    ],
  },
  hostId: {
    question: 'Where do I find the host ID?',
    answer: [
      'The host ID identifies the machine the license is locked to. Read it on that machine, not on your own computer.',
      'Linux and other Unix systems: run hostid in a terminal and enter what it prints.',
      'Windows: run ipconfig /all in a command prompt and enter the Physical Address of the primary network adapter (its MAC address).',
    ],
    examples: [
      { label: 'Unix', value: 'hostid  →  007f0101' },
      { label: 'Windows', value: 'ipconfig /all  →  00-11-22-33-44-55' },
    ],
  },
  notificationId: {
    question: 'Where do I find my notification ID?',
    answer: [
      'It is in the upgrade notification e-mail we sent when a newer version of your product became available, and in the portal’s notifications (the bell in the header).',
      'The open upgrade notifications of this account are also listed on the Version Upgrade page, under “Lost your notification ID?”, where “Use this notification” starts the upgrade with it.',
      'A notification ID is VU- followed by 10 letters and digits.',
    ],
    examples: [{ label: 'Example', value: 'VU-7K2M9QX4TD' }],
  },
};
