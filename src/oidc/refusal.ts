import { AppError } from '../errors'

/** A refusal of the sign-in flow: `reason` is the code the sign-in page shows (`/signin?error=<reason>`). */
export class OidcRefusal extends AppError {
  constructor(
    readonly reason: string,
    code: AppError['code'],
    message: string,
  ) {
    super(code, message, { reason })
  }
}

/** A policy refusal (sign-up off, domain, unverified address, identity of another account): 403. */
export const refused = (reason: string, message: string) => new OidcRefusal(reason, 'forbidden', message)
/** A token that does not verify: 401 `invalid_credentials`. */
export const badToken = (message: string) => new OidcRefusal('invalid_token', 'invalid_credentials', `ID token refused: ${message}`)
