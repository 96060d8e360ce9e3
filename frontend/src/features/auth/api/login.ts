import { useMutation } from '@tanstack/react-query';
import { login } from '../../../client/sdk.gen';
import type { LoginRequest, LoginResponse } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';
import { startSession } from '../../../lib/session';

export async function logIn(credentials: LoginRequest): Promise<LoginResponse> {
  return unwrap(login({ body: credentials }));
}

/** Logs in and starts the session with the token and the user's role. */
export function useLogin() {
  return useMutation({
    mutationFn: logIn,
    onSuccess: (answer) =>
      startSession({
        token: answer.access_token,
        username: answer.user.username,
        role: answer.user.role,
        expiresAt: Date.now() + answer.expires_in * 1000,
      }),
  });
}
