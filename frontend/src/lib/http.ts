import { client } from '../client/client.gen';
import { currentSession, endSession } from './session';

/**
 * Points the generated client at this origin and adds what every request carries: the session
 * token and the console's language (so server messages come back in it). The one place that
 * handles 401 and 403: the session ends and the console goes back to the login page.
 */
let configured = false;

export function configureHttp(language: () => string): void {
  if (configured) return;
  configured = true;
  client.setConfig({ baseUrl: window.location.origin });
  client.interceptors.request.use((request) => {
    const session = currentSession();
    if (session) request.headers.set('Authorization', `Bearer ${session.token}`);
    request.headers.set('Accept-Language', language());
    return request;
  });
  client.interceptors.response.use((response, request) => {
    const signedIn = request.headers.has('Authorization');
    if (signedIn && response.status === 401) endSession('expired');
    if (signedIn && response.status === 403) endSession('forbidden');
    return response;
  });
}
