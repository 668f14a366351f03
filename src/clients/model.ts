import { z } from 'zod'
import { example } from '../http/example'
import { pageQuery } from '../http/respond'
import { multilineText, nameText } from '../http/text'
import { boolParam } from '../projects/model'

const id = z.string().trim().min(1).max(64)

export const client = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    notes: z.string().nullable(),
    archived: z.boolean(),
    archivedAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Client' })
export type Client = z.infer<typeof client>

const name = nameText(200)
const email = z.email().max(320)
const notes = multilineText(20_000)

const doc = {
  name: 'Client name, 1 to 200 characters.',
  email: 'Billing or contact email address, at most 320 characters; null: none.',
  notes: 'Free notes (Markdown), up to 20 000 characters; null: none.',
}
export const createClientBody = z.strictObject({
  name: name.describe(doc.name),
  email: email.nullable().optional().describe(doc.email),
  notes: notes.nullable().optional().describe(doc.notes),
})
export type CreateClientInput = z.infer<typeof createClientBody>

export const updateClientBody = z.strictObject({
  name: name.optional().describe(doc.name),
  email: email.nullable().optional().describe(doc.email),
  notes: notes.nullable().optional().describe(doc.notes),
  archived: z.boolean().optional().describe('Archive (true) or restore (false) the client.'),
})
export type UpdateClientInput = z.infer<typeof updateClientBody>

export const clientParams = z.object({ clientId: id })

export const listClientsQuery = pageQuery.extend({
  archived: boolParam.optional().describe('`false` (default): active clients; `true`: archived ones.'),
  q: z.string().max(200).optional().describe('Only clients whose name contains this (case-insensitive), up to 200 characters.'),
})
export type ListClientsQuery = z.infer<typeof listClientsQuery>

// Examples for the OpenAPI document (Swagger UI's "Try it out" sends them as they are).
example(createClientBody, { name: 'Acme Corp', email: 'billing@acme.example', notes: 'Invoices monthly, net 30.' })
example(updateClientBody, { notes: 'Pays on time.' })
