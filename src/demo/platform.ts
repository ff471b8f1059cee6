import type {
  documentsEntity,
  fieldsEntity,
  usersEntity,
  workspacesEntity,
} from '../modules/ingest/entities/platform.js'
import type { ItemOf } from './shapes.js'
import { DAY, type DemoContext, HOUR, iso } from './context.js'
import type { Random } from './random.js'
import {
  COMPANIES,
  FIRST_NAMES,
  LAST_NAMES,
  MATTER_KINDS,
  REVIEWER_TIME_ZONES,
  REVIEW_FIRMS,
  STAFF_DOMAIN,
  STAFF_TIME_ZONES,
  WORKSPACE_TEMPLATES,
} from './vocabulary.js'

/**
 * The platform being reported on: workspaces (with their client domains), their users, documents
 * and coding fields. Small reference data is built once into memory; documents are numbered, and
 * everything about document j of a workspace is a pure function of (seed, workspace, j).
 */

export type FieldKey = 'responsiveness' | 'privilege' | 'issues' | 'hot' | 'comments' | 'extractedText'

export interface FieldSpec {
  key: FieldKey
  name: string
  fieldType: 'SingleChoice' | 'MultipleChoice' | 'YesNo' | 'LongText'
  choices: readonly string[]
}

/** The coding layout of every demo workspace (the fields the reviewer-choices report reads). */
export const FIELD_SPECS: readonly FieldSpec[] = [
  {
    key: 'responsiveness',
    name: 'Responsiveness',
    fieldType: 'SingleChoice',
    choices: ['Responsive', 'Not Responsive', 'Needs Further Review'],
  },
  {
    key: 'privilege',
    name: 'Privilege',
    fieldType: 'SingleChoice',
    choices: ['Not Privileged', 'Privileged', 'Partially Privileged'],
  },
  {
    key: 'issues',
    name: 'Issues',
    fieldType: 'MultipleChoice',
    choices: ['Contract Breach', 'Pricing', 'Personnel', 'Regulatory', 'Damages'],
  },
  { key: 'hot', name: 'Hot Document', fieldType: 'YesNo', choices: [] },
  { key: 'comments', name: 'Reviewer Comments', fieldType: 'LongText', choices: [] },
  { key: 'extractedText', name: 'Extracted Text', fieldType: 'LongText', choices: [] },
]

/** Artifact id ranges, far apart so ids of different kinds are never confused when reading the data. */
const FIRST_WORKSPACE_ID = 1_018_053 // the workspace of the audit document's samples
const FIELD_IDS = 20_000_000
const CHOICE_IDS = 30_000_000
const DOCUMENT_IDS = 100_000_000
const DOCUMENTS_PER_WORKSPACE_RANGE = 10_000_000

export interface DemoWorkspace {
  index: number
  artifactId: number
  name: string
  clientDomain: string
  matter: string
  template: string
  status: 'Active' | 'Inactive'
  createdAt: number
  /** UTC day numbers of the review phase: documents are viewed and coded between them. */
  reviewFirstDay: number
  reviewLastDay: number
  documentCount: number
  /** Document control numbers start with it, e.g. ACME0000001. */
  prefix: string
}

export type UserRole = 'system' | 'admin' | 'manager' | 'reviewer'

export interface DemoUser {
  artifactId: number
  fullName: string
  email: string
  role: UserRole
  isSystemAdmin: boolean
  /** Reviewers (and one admin who also reviews, so `nonAdmin` filters have something to leave out). */
  reviews: boolean
  timeZone: string
  workspaceIndexes: number[]
}

export interface Platform {
  workspaces: DemoWorkspace[]
  users: DemoUser[]
}

export const fieldId = (ws: DemoWorkspace, field: number): number => FIELD_IDS + ws.index * 100 + field
export const choiceId = (ws: DemoWorkspace, field: number, choice: number): number =>
  CHOICE_IDS + ws.index * 1000 + field * 100 + choice
export const documentId = (ws: DemoWorkspace, doc: number): number =>
  DOCUMENT_IDS + ws.index * DOCUMENTS_PER_WORKSPACE_RANGE + doc + 1
export const controlNumber = (ws: DemoWorkspace, doc: number): string =>
  ws.prefix + String(doc + 1).padStart(7, '0')

export function buildPlatform(ctx: DemoContext): Platform {
  const workspaces = buildWorkspaces(ctx)
  return { workspaces, users: buildUsers(ctx, workspaces) }
}

function buildWorkspaces(ctx: DemoContext): DemoWorkspace[] {
  const rng = ctx.rng('workspaces')
  const count = ctx.count(5, 2)
  // A few client domains own several matters each, so client-domain scoping has something to scope.
  const domains = rng.sample(COMPANIES, Math.max(1, Math.ceil(count / 2))).map((c) => `${c} Legal`)
  const sizes = Array.from({ length: count }, () => rng.float(0.4, 1.6))
  const sizeTotal = sizes.reduce((a, b) => a + b, 0)
  const totalDocuments = ctx.count(20_000, 40)
  const usedPrefixes = new Set<string>()
  const usedNames = new Set<string>()
  return sizes.map((size, index) => {
    const plaintiff = rng.pick(COMPANIES)
    const defendant = rng.pick(COMPANIES.filter((c) => c !== plaintiff))
    const kind = rng.pick(MATTER_KINDS)
    const caption =
      kind.endsWith('Litigation') || kind.endsWith('Dispute')
        ? `${plaintiff} v. ${defendant}`
        : `In re ${plaintiff} ${kind}`
    // Most review phases are still running, so "the last 6 months" holds most of the activity.
    const ongoing = index % 3 !== 1
    const reviewLastDay = ongoing ? ctx.today : ctx.today - rng.int(60, 200)
    const reviewFirstDay = Math.max(ctx.today - 364, reviewLastDay - rng.int(45, 240))
    const createdDay = reviewFirstDay - rng.int(5, 40)
    return {
      index,
      artifactId: FIRST_WORKSPACE_ID + index * 1000,
      name: unique(caption, usedNames, (n) => `${caption} ${ROMAN[n] ?? n + 2}`),
      clientDomain: domains[index % domains.length] as string,
      matter: `${plaintiff} ${kind}`,
      template: rng.pick(WORKSPACE_TEMPLATES),
      status: ongoing || reviewLastDay > ctx.today - 90 ? 'Active' : 'Inactive',
      createdAt: createdDay * DAY + rng.int(13, 22) * HOUR + rng.int(0, 3_599_999),
      reviewFirstDay,
      reviewLastDay,
      documentCount: Math.max(20, Math.round((totalDocuments * size) / sizeTotal)),
      prefix: prefixFor(plaintiff, usedPrefixes),
    }
  })
}

function prefixFor(company: string, used: Set<string>): string {
  const base = company
    .replace(/[^A-Za-z]/g, '')
    .slice(0, 4)
    .toUpperCase()
  return unique(base, used, (n) => `${base}${n + 2}_`)
}

const ROMAN = ['II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X']

/** `base`, or its first untaken variant: captions and control-number prefixes stay distinct at any scale. */
function unique(base: string, used: Set<string>, variant: (n: number) => string): string {
  let value = base
  for (let n = 0; used.has(value); n++) value = variant(n)
  used.add(value)
  return value
}

function buildUsers(ctx: DemoContext, workspaces: DemoWorkspace[]): DemoUser[] {
  const rng = ctx.rng('users')
  const all = workspaces.map((w) => w.index)
  const names = uniqueNames(rng)
  let nextId = 1_016_100
  const person = (role: UserRole, domain: string, timeZone: string, workspaceIndexes: number[]): DemoUser => {
    const [first, last] = names.next().value as [string, string]
    const isSystemAdmin = role === 'admin'
    return {
      artifactId: nextId++,
      fullName: `${last}, ${first}`,
      email: `${first}.${last}`.toLowerCase().replace(/[^a-z0-9.]/g, '') + `@${domain}`,
      role,
      isSystemAdmin,
      reviews: role === 'reviewer',
      timeZone,
      workspaceIndexes,
    }
  }
  const system = (artifactId: number, fullName: string, email: string): DemoUser => ({
    artifactId,
    fullName,
    email,
    role: 'system',
    isSystemAdmin: true,
    reviews: false,
    timeZone: 'UTC',
    workspaceIndexes: all,
  })

  const admins = Array.from({ length: ctx.count(3, 1) }, () =>
    person('admin', STAFF_DOMAIN, rng.pick(STAFF_TIME_ZONES), all),
  )
  ;(admins[0] as DemoUser).reviews = true
  const managers = Array.from({ length: ctx.count(5, 1) }, (_, i) =>
    person(
      'manager',
      STAFF_DOMAIN,
      rng.pick(STAFF_TIME_ZONES),
      accessTo(rng, workspaces.length, i, rng.int(2, 4)),
    ),
  )
  const reviewers = Array.from({ length: ctx.count(30, 3) }, (_, i) =>
    person(
      'reviewer',
      rng.pick(REVIEW_FIRMS),
      rng.weighted(REVIEWER_TIME_ZONES),
      accessTo(rng, workspaces.length, i, rng.pick([1, 1, 1, 2, 2, 3])),
    ),
  )
  return [
    system(9, 'Admin, Relativity', 'relativity.admin@example.com'),
    system(777, 'Service Account, Relativity', 'relativity.serviceaccount@example.com'),
    ...admins,
    ...managers,
    ...reviewers,
  ]
}

/** Workspace `i mod count` first (so every workspace has people), then random others. */
function accessTo(rng: Random, count: number, i: number, wanted: number): number[] {
  const primary = i % count
  const others = rng.sample(
    Array.from({ length: count }, (_, w) => w).filter((w) => w !== primary),
    wanted - 1,
  )
  return [primary, ...others].sort((a, b) => a - b)
}

function* uniqueNames(rng: Random): Generator<[string, string]> {
  const seen = new Set<string>()
  for (;;) {
    const first = rng.pick(FIRST_NAMES)
    const last = rng.pick(LAST_NAMES)
    let name = `${first}/${last}`
    // Past a few thousand people the pairs run out; a middle initial keeps names unique at any scale.
    for (let n = 0; seen.has(name); n++)
      name = `${first} ${String.fromCharCode(65 + (n % 26))}${n >= 26 ? n : ''}/${last}`
    seen.add(name)
    const [f, l] = name.split('/') as [string, string]
    yield [f, l]
  }
}

/** Entity items, in the pinned ingestion shapes. */

export const workspaceItems = (p: Platform): ItemOf<typeof workspacesEntity>[] =>
  p.workspaces.map((w) => ({
    artifactId: w.artifactId,
    name: w.name,
    clientDomain: w.clientDomain,
    matter: w.matter,
    template: w.template,
    status: w.status,
    createdAt: iso(w.createdAt),
  }))

export const userItems = (p: Platform): ItemOf<typeof usersEntity>[] =>
  p.users.map((u) => ({
    artifactId: u.artifactId,
    fullName: u.fullName,
    email: u.email,
    isSystemAdmin: u.isSystemAdmin,
    workspaceIds: u.workspaceIndexes.map((i) => (p.workspaces[i] as DemoWorkspace).artifactId),
  }))

export const fieldItems = (p: Platform): ItemOf<typeof fieldsEntity>[] =>
  p.workspaces.flatMap((ws) =>
    FIELD_SPECS.map((spec, f) => ({
      artifactId: fieldId(ws, f),
      workspaceId: ws.artifactId,
      name: spec.name,
      fieldType: spec.fieldType,
      ...(spec.choices.length > 0
        ? { choices: spec.choices.map((name, c) => ({ artifactId: choiceId(ws, f, c), name })) }
        : {}),
    })),
  )

/** Documents, one workspace after another; sizes are skewed like real extracted text (a few huge ones). */
export function* documentItems(ctx: DemoContext, p: Platform): Generator<ItemOf<typeof documentsEntity>> {
  for (const ws of p.workspaces) {
    const rng = ctx.rng('documents', ws.index)
    for (let doc = 0; doc < ws.documentCount; doc++) {
      // About 4% are images or containers without text.
      const extractedTextBytes = rng.chance(0.04)
        ? 0
        : Math.min(50_000_000, Math.round(rng.logNormal(12_000, 1.2)))
      yield {
        artifactId: documentId(ws, doc),
        workspaceId: ws.artifactId,
        controlNumber: controlNumber(ws, doc),
        extractedTextBytes,
      }
    }
  }
}

export const documentTotal = (p: Platform): number =>
  p.workspaces.reduce((sum, w) => sum + w.documentCount, 0)
