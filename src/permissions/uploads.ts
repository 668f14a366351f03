import { forbidden } from '../errors'
import type { Actor } from './actor'

/**
 * Who may delete an upload of the selected workspace (the route has already required tasks:write):
 * its uploader, or a workspace OWNER acting workspace-wide (a project-scoped key of an OWNER deletes
 * only its own user's uploads). Anyone else in the workspace: 403. An upload of another workspace is
 * never found (404), the lookup being scoped to the selected workspace.
 */
export function authorizeUploadDelete(actor: Actor, upload: { uploadedBy: string | null }): void {
  if (upload.uploadedBy !== null && upload.uploadedBy === actor.user?.id) return
  if (actor.workspace.role === 'OWNER' && !actor.credential.projectId) return
  throw forbidden('Only the uploader or a workspace OWNER can delete this upload.')
}
