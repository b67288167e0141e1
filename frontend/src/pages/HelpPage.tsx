import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { ContactSupportLink } from '../components/SupportLink';
import { usePageTitle } from '../components/usePageTitle';
import { HELP_TEXTS, type HelpTopicId } from '../lib/helpTexts';

interface Question {
  id: string;
  question: string;
  answer: ReactNode;
}

interface Topic {
  id: string;
  title: string;
  questions: readonly Question[];
}

/** A "Where do I find …?" answer as the fields show it (lib/helpTexts), with anything the help page adds. */
function fieldHelp(id: string, topic: HelpTopicId, more?: ReactNode): Question {
  const help = HELP_TEXTS[topic];
  return {
    id,
    question: help.question,
    answer: (
      <>
        {help.answer.map((paragraph) => (
          <p key={paragraph}>{paragraph}</p>
        ))}
        {help.examples?.length ? (
          <dl className="help-page__examples">
            {help.examples.map((example) => (
              <div key={example.label}>
                <dt>{example.label}</dt>
                <dd>
                  <code className="mono">{example.value}</code>
                </dd>
              </div>
            ))}
          </dl>
        ) : null}
        {more}
      </>
    ),
  };
}

/** The help page's questions and answers, by topic. */
export const HELP_TOPICS: readonly Topic[] = [
  {
    id: 'get-a-key',
    title: 'Getting a key',
    questions: [
      {
        id: 'how-to-get-a-key',
        question: 'How do I get a license key?',
        answer: (
          <>
            <p>
              Open <Link to="/get-a-key">Get a Key</Link>, enter the serial numbers from your license certificate, fill in the
              product and support registration, confirm, and the keys appear on the last step. They are also e-mailed to the
              technical contact, and you get a notification (the bell in the header) when they are ready.
            </p>
            <p>You need the Member or Admin role on the account; a Viewer can see licenses but not request keys.</p>
          </>
        ),
      },
      fieldHelp('serial-number', 'serialNumber'),
      fieldHelp('host-id', 'hostId'),
      {
        id: 'find-a-license',
        question: 'How do I find a license again?',
        answer: (
          <p>
            Type a serial number, an activation key, a product or a custom value into the search box in the header (press{' '}
            <kbd>/</kbd> or <kbd>Ctrl</kbd>+<kbd>K</kbd> to jump there) and press Enter on a result, or open{' '}
            <Link to="/licenses">Licenses</Link> to filter and export all of them.
          </p>
        ),
      },
    ],
  },
  {
    id: 'upgrades',
    title: 'Version upgrades',
    questions: [
      fieldHelp(
        'notification-id',
        'notificationId',
        <p>
          In your <Link to="/notifications">notifications</Link>, an upgrade notification shows its ID and a Start upgrade button
          that fills it in for you.
        </p>,
      ),
      {
        id: 'upgrade-steps',
        question: 'How does a version upgrade work?',
        answer: (
          <p>
            Open <Link to="/version-upgrade">Version Upgrade</Link> (or Start upgrade on the notification), enter the notification
            ID, pick the license and how many seats to move to the new version, check the support registration and confirm.
            The new keys appear on the last step and by e-mail.
          </p>
        ),
      },
    ],
  },
  {
    id: 'rehost',
    title: 'Re-hosting and activation',
    questions: [
      {
        id: 'move-a-license',
        question: 'How do I move a license to another machine?',
        answer: (
          <p>
            Open the license under <Link to="/licenses">Licenses</Link> and choose Re-host, then enter the new machine’s host ID.
            The old key stops working and a new one is signed for the new host. A license can be re-hosted a limited number of
            times in any 12 months; the page tells you when the limit is reached.
          </p>
        ),
      },
      {
        id: 'activation',
        question: 'How does activation work?',
        answer: (
          <p>
            The installed product sends its activation key and the host ID and receives a license file bound to that machine;
            each activation uses a seat. A license’s page lists its activations, and deactivating one there frees the seat.
          </p>
        ),
      },
    ],
  },
  {
    id: 'vouchers',
    title: 'Vouchers',
    questions: [
      {
        id: 'convert-vouchers',
        question: 'How do I turn voucher codes into licenses?',
        answer: (
          <p>
            OEM accounts have a <Link to="/vouchers">Voucher Center</Link> (in the main navigation while the OEM account is
            chosen): paste codes or upload a CSV file, choose whose account the licenses go to — yours, another account or an end
            customer’s e-mail — and the keys are signed right there. Typos are caught before anything is sent, and every line gets
            its own answer.
          </p>
        ),
      },
    ],
  },
  {
    id: 'partners',
    title: 'Partners',
    questions: [
      {
        id: 'invite-partner',
        question: 'How do I let a reseller or partner manage our licenses?',
        answer: (
          <p>
            An administrator of your account invites the partner account under{' '}
            <Link to="/account/partners">Partners</Link>, with View or Manage access. The partner’s administrators answer the
            invitation; you are notified of the answer and can end the delegation at any time.
          </p>
        ),
      },
      {
        id: 'act-for-customer',
        question: 'I am a partner: how do I work on a customer’s licenses?',
        answer: (
          <p>
            Choose Act for a customer in the header (or search for the customer’s name and press Enter). Every page then works on
            that customer’s account until you switch back. Your customers and delegations are under{' '}
            <Link to="/partner">Customers</Link>.
          </p>
        ),
      },
    ],
  },
];

/** Questions and answers about the portal, and how to reach support. */
export function HelpPage() {
  usePageTitle('Help');
  return (
    <div className="page help-page">
      <div className="page__header">
        <div>
          <h1 className="page__title">Help</h1>
          <p className="page__meta">
            <span>Answers to what customers ask most. Still stuck? </span>
            <ContactSupportLink />
          </p>
        </div>
      </div>
      <nav className="help-page__toc card card--padded" aria-label="Help topics">
        <ul>
          {HELP_TOPICS.map((topic) => (
            <li key={topic.id}>
              <a href={`#${topic.id}`}>{topic.title}</a>
            </li>
          ))}
        </ul>
      </nav>
      {HELP_TOPICS.map((topic) => (
        <section key={topic.id} className="card card--padded help-page__topic" aria-labelledby={topic.id}>
          <h2 className="section-title" id={topic.id}>
            {topic.title}
          </h2>
          {topic.questions.map((q) => (
            <div key={q.id} className="help-page__question">
              <h3 id={q.id}>{q.question}</h3>
              {q.answer}
            </div>
          ))}
        </section>
      ))}
    </div>
  );
}
