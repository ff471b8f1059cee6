import { weightedTable } from './random.js'

/** Word lists the demo draws names from. Domains are reserved example domains (RFC 2606). */

export const FIRST_NAMES = [
  'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Carlos', 'Karen',
  'Daniel', 'Lisa', 'Matthew', 'Nancy', 'Anthony', 'Betty', 'Mark', 'Sandra', 'Priya', 'Ashley',
  'Steven', 'Kimberly', 'Paul', 'Emily', 'Andrew', 'Donna', 'Joshua', 'Michelle', 'Kenneth', 'Carol',
  'Kevin', 'Amanda', 'Brian', 'Melissa', 'Arjun', 'Deborah', 'Rahul', 'Stephanie', 'Jose', 'Maria',
  'Wei', 'Mei', 'Hiroshi', 'Yuki', 'Olga', 'Ivan', 'Fatima', 'Omar', 'Aisha', 'Chloe',
] as const

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  'Patel', 'Sharma', 'Reyes', 'Santos', 'Tanaka', 'Kim', 'Chen', 'Wang', 'Muller', 'Schmidt',
] as const

export const COMPANIES = [
  'Acme', 'Widget', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Hooli', 'Vandelay', 'Soylent',
  'Tyrell', 'Cyberdyne', 'Oscorp', 'Wonka', 'Gringotts', 'Monarch', 'Pied Piper', 'Dunder Mifflin',
  'Massive Dynamic', 'Aperture', 'Black Mesa', 'Nakatomi', 'Virtucon', 'Zorg', 'Prestige', 'Sterling',
] as const

export const MATTER_KINDS = ['Antitrust Litigation', 'Securities Litigation', 'Internal Investigation', 'Patent Dispute', 'Contract Dispute', 'Regulatory Inquiry'] as const

export const WORKSPACE_TEMPLATES = ['Relativity Starter Template', 'Review Template', 'Investigations Template'] as const

/** Where document reviewers work; review centres cluster in a few zones. */
export const REVIEWER_TIME_ZONES = weightedTable([
  ['America/New_York', 30],
  ['America/Chicago', 15],
  ['America/Los_Angeles', 10],
  ['Europe/London', 10],
  ['Asia/Kolkata', 15],
  ['Asia/Manila', 15],
  ['Australia/Sydney', 5],
] as const)

export const STAFF_TIME_ZONES = ['America/New_York', 'America/Chicago', 'Europe/London'] as const

export const REVIEW_FIRMS = ['reviewpartners.example.com', 'lexcounsel.example.org', 'discoveryteam.example.net'] as const
export const STAFF_DOMAIN = 'example.com'

/** Country, a region in it, its language, UTC offset in hours (for usage times of day) and weight. */
export const COUNTRIES = [
  { country: 'US', regions: ['California', 'New York', 'Texas', 'Illinois', 'Washington'], language: 'en-US', offset: -6, weight: 35 },
  { country: 'GB', regions: ['England', 'Scotland'], language: 'en-GB', offset: 0, weight: 10 },
  { country: 'DE', regions: ['Bavaria', 'Berlin', 'Hesse'], language: 'de-DE', offset: 1, weight: 10 },
  { country: 'FR', regions: ['Île-de-France', 'Auvergne-Rhône-Alpes'], language: 'fr-FR', offset: 1, weight: 6 },
  { country: 'IN', regions: ['Karnataka', 'Maharashtra', 'Telangana'], language: 'en-IN', offset: 5.5, weight: 10 },
  { country: 'JP', regions: ['Tokyo', 'Osaka'], language: 'ja-JP', offset: 9, weight: 6 },
  { country: 'BR', regions: ['São Paulo', 'Rio de Janeiro'], language: 'pt-BR', offset: -3, weight: 6 },
  { country: 'CA', regions: ['Ontario', 'Quebec', 'British Columbia'], language: 'en-CA', offset: -5, weight: 7 },
  { country: 'AU', regions: ['New South Wales', 'Victoria'], language: 'en-AU', offset: 10, weight: 5 },
  { country: 'ES', regions: ['Madrid', 'Catalonia'], language: 'es-ES', offset: 1, weight: 5 },
] as const

export const OPERATING_SYSTEMS = weightedTable([
  ['Windows 11', 45],
  ['Windows 10', 30],
  ['Windows Server 2022', 8],
  ['macOS 14', 10],
  ['Ubuntu 22.04', 7],
] as const)
