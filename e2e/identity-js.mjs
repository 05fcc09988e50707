// amazon-cognito-identity-js in Node, unmodified but for its `endpoint`
// setting, against a Cognito endpoint (the proxy, or the strict hop directly).
//
// Environment:
//   COGNITO_ENDPOINT  endpoint URL (e.g. http://127.0.0.1:8080/)
//   USER_POOL_ID      user pool id (a pool with email usernames)
//   CLIENT_ID         app client id (the app holds no secret)
//   USER_EMAIL        the user to sign up
//   PASSWORD          its password; NEW_PASSWORD the one set by reset
//   EXISTING_EMAIL    a confirmed user (for the signInExisting step), with
//                     password PASSWORD
//   E2E_STEPS         comma-separated steps to run (default: the full flow)
//   E2E_KEEP_GOING    "1": run every step even after a failure
//
// Prints {ok, steps:[...]} as JSON on stdout; exit status 0 unless the
// script itself broke.
import cognito from 'amazon-cognito-identity-js';
import { envList, mustEnv, runSteps } from './lib/report.mjs';

const { AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool } = cognito;

const endpoint = mustEnv('COGNITO_ENDPOINT');
const pool = new CognitoUserPool({
  UserPoolId: mustEnv('USER_POOL_ID'),
  ClientId: mustEnv('CLIENT_ID'),
  endpoint,
});
const email = mustEnv('USER_EMAIL');
const password = mustEnv('PASSWORD');
const newPassword = process.env.NEW_PASSWORD || `${password}-New1`;
const code = '123456'; // moto accepts any confirmation code

/** promisify turns a Node-style callback call into a promise. */
const cb = (fn) => new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));

/** authenticate signs username in and resolves with the session. */
function authenticate(user, username, pw) {
  return new Promise((resolve, reject) => {
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: pw }), {
      onSuccess: (session) => resolve(session),
      onFailure: (err) => reject(err),
      newPasswordRequired: () => reject(new Error('unexpected NEW_PASSWORD_REQUIRED challenge')),
      mfaRequired: () => reject(new Error('unexpected SMS_MFA challenge')),
      totpRequired: () => reject(new Error('unexpected SOFTWARE_TOKEN_MFA challenge')),
      customChallenge: () => reject(new Error('unexpected CUSTOM_CHALLENGE')),
    });
  });
}

/** claims decodes a session's ID token payload. */
const claims = (session) => session.getIdToken().decodePayload();

const user = new CognitoUser({ Username: email, Pool: pool });
let session;

const steps = [
  ['signUp', async () => {
    const attrs = [new CognitoUserAttribute({ Name: 'email', Value: email })];
    const res = await cb((done) => pool.signUp(email, password, attrs, null, done));
    return { userSub: res.userSub, userConfirmed: res.userConfirmed };
  }],
  ['confirmSignUp', async () => ({ result: await cb((done) => user.confirmRegistration(code, true, done)) })],
  ['signIn', async () => {
    // authenticateUser's default flow is USER_SRP_AUTH then PASSWORD_VERIFIER.
    session = await authenticate(user, email, password);
    const c = claims(session);
    return { flow: user.authenticationFlowType, username: c['cognito:username'], sub: c.sub, valid: session.isValid() };
  }],
  ['getUserAttributes', async () => {
    const attrs = await cb((done) => user.getUserAttributes(done));
    return Object.fromEntries(attrs.map((a) => [a.getName(), a.getValue()]));
  }],
  ['refreshSession', async () => {
    const before = session.getAccessToken().getJwtToken();
    session = await cb((done) => user.refreshSession(session.getRefreshToken(), done));
    const c = claims(session);
    return { username: c['cognito:username'], valid: session.isValid(), newAccessToken: session.getAccessToken().getJwtToken() !== before };
  }],
  ['forgotPassword', () => new Promise((resolve, reject) => {
    user.forgotPassword({
      onSuccess: (data) => resolve(data),
      onFailure: (err) => reject(err),
      inputVerificationCode: (data) => resolve(data),
    });
  })],
  ['confirmPassword', () => new Promise((resolve, reject) => {
    user.confirmPassword(code, newPassword, { onSuccess: (r) => resolve({ result: r }), onFailure: reject });
  })],
  ['signInNewPassword', async () => {
    // USER_PASSWORD_AUTH, where moto checks the password: proves the reset.
    const u = new CognitoUser({ Username: email, Pool: pool });
    u.setAuthenticationFlowType('USER_PASSWORD_AUTH');
    const s = await authenticate(u, email, newPassword);
    return { username: claims(s)['cognito:username'] };
  }],
  ['signOut', async () => {
    user.signOut();
    return { signedOut: user.getSignInUserSession() === null };
  }],
  ['signInExisting', async () => {
    const existing = mustEnv('EXISTING_EMAIL');
    const u = new CognitoUser({ Username: existing, Pool: pool });
    const s = await authenticate(u, existing, password);
    return { username: claims(s)['cognito:username'] };
  }],
];

const defaultSteps = steps.map(([n]) => n).filter((n) => n !== 'signInExisting');
const wanted = envList(process.env.E2E_STEPS);
const result = await runSteps(steps, {
  wanted: wanted.length ? wanted : defaultSteps,
  keepGoing: process.env.E2E_KEEP_GOING === '1',
});
process.stdout.write(JSON.stringify({ library: 'amazon-cognito-identity-js', endpoint, ...result }) + '\n');
