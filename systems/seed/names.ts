/** Word lists for realistic seed names. */

export const COMPANY_FIRST = [
  'Northwind', 'Redwood', 'Granite Peak', 'Silver Lake', 'Blue Harbor', 'Summit', 'Ironbridge', 'Cedar Point',
  'Brightwater', 'Oakridge', 'Meridian', 'Atlas', 'Pioneer', 'Harborview', 'Keystone', 'Lighthouse', 'Evergreen',
  'Crescent', 'Falcon', 'Horizon', 'Bluestone', 'Copperfield', 'Driftwood', 'Eastgate', 'Foxglove', 'Goldcrest',
  'Highland', 'Juniper', 'Kestrel', 'Lakeshore', 'Marlowe', 'Northstar', 'Orchard', 'Pinecrest', 'Quarry Hill',
  'Riverbend', 'Saltmarsh', 'Thornbury', 'Upland', 'Vantage', 'Westbrook', 'Yellowpine', 'Zenith', 'Alder',
  'Beacon', 'Clearwater', 'Dunmore', 'Elmstead', 'Fairhaven', 'Greystone', 'Hawthorne', 'Ivybridge', 'Kingsway',
  'Larkspur', 'Millbrook', 'Newhaven', 'Oldcastle', 'Peregrine', 'Rosewood', 'Stonebridge',
];

export const COMPANY_INDUSTRY = [
  'Logistics', 'Health', 'Financial', 'Energy', 'Retail', 'Manufacturing', 'Foods', 'Pharma', 'Insurance', 'Media',
  'Telecom', 'Capital', 'Analytics', 'Biotech', 'Motors', 'Aerospace', 'Hospitality', 'Software', 'Materials',
  'Utilities', 'Freight', 'Labs', 'Robotics', 'Apparel', 'Partners',
];

export const FIRST_NAMES = [
  'Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Oliver', 'Sophia', 'Elijah', 'Isabella', 'James', 'Mia', 'William',
  'Amelia', 'Benjamin', 'Harper', 'Lucas', 'Evelyn', 'Henry', 'Abigail', 'Alexander', 'Emily', 'Daniel', 'Ella',
  'Matthew', 'Grace', 'Samuel', 'Chloe', 'David', 'Priya', 'Arjun', 'Mei', 'Wei', 'Yuki', 'Hiroshi', 'Fatima',
  'Omar', 'Aisha', 'Mohammed', 'Sofia', 'Mateo', 'Valentina', 'Santiago', 'Camila', 'Diego', 'Lena', 'Jonas',
  'Anna', 'Felix', 'Clara', 'Lukas', 'Chloé', 'Louis', 'Léa', 'Hugo', 'Siobhan', 'Cian', 'Niamh', 'Aoife',
  'Kwame', 'Amara', 'Tunde', 'Zara', 'Ravi', 'Ananya', 'Nikhil', 'Ingrid', 'Lars', 'Astrid', 'Erik', 'Marta',
  'Pablo', 'Lucía', 'Tomás', 'Nora', 'Ethan', 'Hannah', 'Jacob', 'Leah', 'Aaron', 'Rachel',
];

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Wilson',
  'Anderson', 'Taylor', 'Thomas', 'Moore', 'Jackson', 'Martin', 'Lee', 'Thompson', 'White', 'Harris', 'Clark',
  'Lewis', 'Walker', 'Hall', 'Young', 'King', 'Wright', 'Patel', 'Shah', 'Chen', 'Wang', 'Tanaka', 'Sato',
  'Kim', 'Nguyen', 'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Dubois', 'Laurent', 'Moreau',
  "O'Brien", 'Murphy', 'Kelly', 'Byrne', 'Okafor', 'Mensah', 'Haddad', 'Khan', 'Rossi', 'Bianchi', 'Novak',
  'Kowalski', 'Jansen', 'de Vries', 'Bakker', 'Larsen', 'Andersson', 'Nilsson', 'Fernández', 'López', 'Sánchez',
  'Costa', 'Silva', 'Singh', 'Gupta', 'Iyer', 'Cohen', 'Levi', 'Evans', 'Hughes', 'Price', 'Bennett', 'Reid',
  'Campbell', 'Stewart', 'Fraser',
];

export const SKILLS = [
  'Salesforce', 'NetSuite', 'Data Engineering', 'Project Management', 'Change Management', 'Cloud Architecture',
  'AWS', 'Azure', 'Python', 'TypeScript', 'Finance Transformation', 'Supply Chain', 'Cybersecurity', 'UX Design',
  'Business Analysis', 'Agile Coaching', 'SAP', 'Tableau', 'Power BI', 'Machine Learning', 'Integration', 'Java',
];

/** Titles with their USD bill rate (whole dollars per hour) and a share of the bench. */
export const TITLES: readonly { title: string; rateUsd: number; weight: number; roles: readonly string[]; senior: boolean }[] = [
  { title: 'Analyst', rateUsd: 125, weight: 15, roles: ['Business Analyst', 'Data Analyst'], senior: false },
  { title: 'Consultant', rateUsd: 150, weight: 30, roles: ['Consultant', 'Developer', 'Functional Consultant'], senior: false },
  { title: 'Senior Consultant', rateUsd: 185, weight: 25, roles: ['Senior Consultant', 'Solution Architect', 'Tech Lead'], senior: false },
  { title: 'Manager', rateUsd: 220, weight: 15, roles: ['Project Manager', 'Delivery Lead'], senior: true },
  { title: 'Senior Manager', rateUsd: 260, weight: 8, roles: ['Engagement Manager', 'Program Manager'], senior: true },
  { title: 'Principal', rateUsd: 300, weight: 4, roles: ['Principal Architect', 'Engagement Manager'], senior: true },
  { title: 'Director', rateUsd: 325, weight: 3, roles: ['Engagement Director', 'Quality Assurance Partner'], senior: true },
];

/** Rate-card multiplier from USD for the other billing currencies. */
export const RATE_FACTOR: Readonly<Record<string, number>> = { USD: 1, EUR: 0.9, GBP: 0.8 };

export interface Topic {
  topic: string;
  serviceLine: string;
  contract?: 'Fixed Fee' | 'Retainer';
}

export const TOPICS: readonly Topic[] = [
  { topic: 'ERP Implementation', serviceLine: 'Implementation' },
  { topic: 'Salesforce CPQ Rollout', serviceLine: 'Implementation' },
  { topic: 'Data Platform Modernization', serviceLine: 'Data & Analytics' },
  { topic: 'BI Dashboards', serviceLine: 'Data & Analytics' },
  { topic: 'Cloud Migration', serviceLine: 'Cloud' },
  { topic: 'Security Assessment', serviceLine: 'Cybersecurity', contract: 'Fixed Fee' },
  { topic: 'Finance Transformation', serviceLine: 'Strategy' },
  { topic: 'Operating Model Review', serviceLine: 'Strategy', contract: 'Fixed Fee' },
  { topic: 'Supply Chain Analytics', serviceLine: 'Data & Analytics' },
  { topic: 'Customer Portal Build', serviceLine: 'Digital' },
  { topic: 'Integration Hub', serviceLine: 'Implementation' },
  { topic: 'Managed Services', serviceLine: 'Managed Services', contract: 'Retainer' },
  { topic: 'Application Support', serviceLine: 'Managed Services', contract: 'Retainer' },
  { topic: 'Process Automation', serviceLine: 'Digital' },
  { topic: 'Pricing Strategy', serviceLine: 'Strategy', contract: 'Fixed Fee' },
  { topic: 'Compliance Readiness', serviceLine: 'Cybersecurity' },
];

export const TIME_NOTES = [
  'Requirements workshop', 'Stakeholder interviews', 'Solution design', 'Data mapping', 'Configuration',
  'Integration development', 'Unit testing', 'UAT support', 'Sprint planning', 'Status meeting and reporting',
  'Documentation', 'Training preparation', 'End-user training', 'Cutover planning', 'Defect triage',
  'Architecture review', 'Report development', 'Go-live support', 'Backlog refinement', 'Steering committee',
];

export const CHANGE_ORDER_DESCRIPTIONS = [
  'Additional data migration scope', 'Extended hypercare period', 'Two additional integrations',
  'Reduced reporting scope', 'Additional training sessions', 'Phase 2 discovery', 'Extra market rollout',
  'Accelerated timeline', 'Additional security review',
];

export const BLOCKED_REASONS = [
  'Customer PO number missing',
  'Disputed hours under review with the account team',
  'Billing contact not confirmed',
];

/** Countries the firm sells into, with currency, legal entity, tax-id and address styles. */
export interface CountryProfile {
  code: string;
  weight: number;
  currency: string;
  tld: string;
  legalSuffixes: readonly string[];
  cities: readonly (readonly [string, string])[];
  street: (name: string, num: number) => string;
  taxId: (digits: (n: number) => string) => string;
}

export const STREET_NAMES = [
  'Market', 'Oak', 'Maple', 'Church', 'High', 'Station', 'Park', 'Mill', 'King', 'Queen', 'Bridge', 'Garden',
  'Harbor', 'Lake', 'River', 'Elm',
];

export const COUNTRIES: readonly CountryProfile[] = [
  {
    code: 'US', weight: 45, currency: 'USD', tld: 'com', legalSuffixes: ['Inc.', 'LLC', 'Corp.'],
    cities: [['New York', '10001'], ['Chicago', '60601'], ['Austin', '78701'], ['Seattle', '98101'], ['Boston', '02110'], ['Denver', '80202'], ['Atlanta', '30303'], ['San Francisco', '94105']],
    street: (n, num) => `${num} ${n} ${['Street', 'Avenue', 'Boulevard'][num % 3]}`,
    taxId: (d) => `${d(2)}-${d(7)}`,
  },
  {
    code: 'CA', weight: 5, currency: 'USD', tld: 'ca', legalSuffixes: ['Ltd.', 'Inc.'],
    cities: [['Toronto', 'M5H 2N2'], ['Vancouver', 'V6B 1A1'], ['Montreal', 'H3B 2Y5']],
    street: (n, num) => `${num} ${n} Street`,
    taxId: (d) => `${d(9)}RT0001`,
  },
  {
    code: 'GB', weight: 15, currency: 'GBP', tld: 'co.uk', legalSuffixes: ['Ltd', 'plc'],
    cities: [['London', 'EC2A 4NE'], ['Manchester', 'M1 1AE'], ['Edinburgh', 'EH2 2AF'], ['Bristol', 'BS1 4DJ']],
    street: (n, num) => `${num} ${n} ${num % 2 ? 'Street' : 'Road'}`,
    taxId: (d) => `GB${d(9)}`,
  },
  {
    code: 'DE', weight: 12, currency: 'EUR', tld: 'de', legalSuffixes: ['GmbH', 'AG'],
    cities: [['Berlin', '10115'], ['München', '80331'], ['Hamburg', '20095'], ['Frankfurt am Main', '60311']],
    street: (n, num) => `${n}straße ${num}`,
    taxId: (d) => `DE${d(9)}`,
  },
  {
    code: 'FR', weight: 8, currency: 'EUR', tld: 'fr', legalSuffixes: ['SAS', 'SA'],
    cities: [['Paris', '75008'], ['Lyon', '69002'], ['Toulouse', '31000']],
    street: (n, num) => `${num} rue ${n}`,
    taxId: (d) => `FR${d(11)}`,
  },
  {
    code: 'NL', weight: 7, currency: 'EUR', tld: 'nl', legalSuffixes: ['B.V.', 'N.V.'],
    cities: [['Amsterdam', '1012 AB'], ['Rotterdam', '3011 AA'], ['Utrecht', '3511 AX']],
    street: (n, num) => `${n}straat ${num}`,
    taxId: (d) => `NL${d(9)}B01`,
  },
  {
    code: 'IE', weight: 4, currency: 'EUR', tld: 'ie', legalSuffixes: ['Limited', 'DAC'],
    cities: [['Dublin', 'D02 X285'], ['Cork', 'T12 W8CX']],
    street: (n, num) => `${num} ${n} Street`,
    taxId: (d) => `IE${d(7)}T`,
  },
  {
    code: 'ES', weight: 4, currency: 'EUR', tld: 'es', legalSuffixes: ['S.L.', 'S.A.'],
    cities: [['Madrid', '28013'], ['Barcelona', '08002'], ['Valencia', '46002']],
    street: (n, num) => `Calle ${n} ${num}`,
    taxId: (d) => `ESB${d(8)}`,
  },
];
