import type { Schemas } from '../../api/client'

/** The roles of a workspace member, and of a project member (the same three). */
export const ROLES = ['OWNER', 'MEMBER', 'VIEWER'] as const satisfies readonly Schemas['Membership']['role'][]
export type Role = (typeof ROLES)[number]

/** A select of the roles; its label is the caller's (`<label for={id}>`). */
export function RoleSelect({
  id,
  value,
  disabled,
  onChange,
}: {
  id: string
  value: Role
  disabled?: boolean
  onChange: (role: Role) => void
}) {
  return (
    <select id={id} value={value} disabled={disabled} onChange={(e) => onChange(e.currentTarget.value as Role)}>
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
    </select>
  )
}
