import { z } from 'zod'
import { example } from '../http/example'
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

export const createClientBody = z.strictObject({ name, email: email.nullable().optional(), notes: notes.nullable().optional() })
export type CreateClientInput = z.infer<typeof createClientBody>

export const updateClientBody = z.strictObject({
  name: name.optional(),
  email: email.nullable().optional(),
  notes: notes.nullable().optional(),
  archived: z.boolean().optional(),
})
export type UpdateClientInput = z.infer<typeof updateClientBody>

export const clientParams = z.object({ clientId: id })

export const listClientsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional(),
  cursor: z.string().min(1).max(200).optional(),
  /** false (default): active clients; true: archived ones. */
  archived: boolParam.optional(),
  /** Case-insensitive substring of the name. */
  q: z.string().max(200).optional(),
})
export type ListClientsQuery = z.infer<typeof listClientsQuery>

// Examples for the OpenAPI document (Swagger UI's "Try it out" sends them as they are).
example(createClientBody, { name: 'Acme Corp', email: 'billing@acme.example', notes: 'Invoices monthly, net 30.' })
example(updateClientBody, { notes: 'Pays on time.' })
