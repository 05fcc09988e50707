// A browser app built with Amplify JS v6, unmodified but for the
// userPoolEndpoint setting. Its parameters come from the query string:
//   endpoint, pool, client      Cognito settings
//   email, password, newPassword, existing (a confirmed user)
//   steps (comma-separated; default: the full flow), keepGoing=1
// When done it sets window.__results ({library, endpoint, ok, steps}) and
// window.__done = true, which the Playwright driver reads.
import { Amplify } from 'aws-amplify';
import {
  confirmResetPassword, confirmSignUp, fetchAuthSession, getCurrentUser,
  resetPassword, signIn, signOut, signUp,
} from 'aws-amplify/auth';
import { envList, runSteps } from '../lib/report.mjs';

const q = new URLSearchParams(location.search);
const endpoint = q.get('endpoint');
Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: q.get('pool'),
      userPoolClientId: q.get('client'),
      userPoolEndpoint: endpoint,
    },
  },
});

const email = q.get('email');
const password = q.get('password');
const newPassword = q.get('newPassword');
const code = '123456'; // moto accepts any confirmation code

/** idClaims returns the ID token claims of the current session. */
const idClaims = (session) => session.tokens?.idToken?.payload ?? {};

/** signedIn fails unless signIn's result says the user is signed in. */
function signedIn(res) {
  if (!res.isSignedIn || res.nextStep?.signInStep !== 'DONE') {
    throw new Error(`not signed in: next step ${res.nextStep?.signInStep}`);
  }
}

const steps = [
  ['signUp', async () => {
    const res = await signUp({ username: email, password, options: { userAttributes: { email } } });
    return { isSignUpComplete: res.isSignUpComplete, userId: res.userId, nextStep: res.nextStep?.signUpStep };
  }],
  ['confirmSignUp', async () => {
    const res = await confirmSignUp({ username: email, confirmationCode: code });
    return { isSignUpComplete: res.isSignUpComplete, nextStep: res.nextStep?.signUpStep };
  }],
  ['signIn', async () => {
    const res = await signIn({ username: email, password }); // USER_SRP_AUTH by default
    signedIn(res);
    const user = await getCurrentUser();
    const claims = idClaims(await fetchAuthSession());
    return { username: user.username, userId: user.userId, cognitoUsername: claims['cognito:username'], email: claims.email };
  }],
  ['fetchAuthSession', async () => {
    const before = (await fetchAuthSession()).tokens?.accessToken?.toString();
    const session = await fetchAuthSession({ forceRefresh: true });
    const after = session.tokens?.accessToken?.toString();
    if (!after) throw new Error('no tokens after a forced refresh');
    return { cognitoUsername: idClaims(session)['cognito:username'], newAccessToken: after !== before };
  }],
  ['resetPassword', async () => {
    const res = await resetPassword({ username: email });
    return { isPasswordReset: res.isPasswordReset, nextStep: res.nextStep?.resetPasswordStep };
  }],
  ['confirmResetPassword', async () => {
    await confirmResetPassword({ username: email, confirmationCode: code, newPassword });
    return { confirmed: true };
  }],
  ['signOut', async () => {
    await signOut();
    const session = await fetchAuthSession();
    if (session.tokens) throw new Error('still holding tokens after signOut');
    return { signedOut: true };
  }],
  ['signInNewPassword', async () => {
    // USER_PASSWORD_AUTH, where moto checks the password: proves the reset.
    const res = await signIn({ username: email, password: newPassword, options: { authFlowType: 'USER_PASSWORD_AUTH' } });
    signedIn(res);
    const claims = idClaims(await fetchAuthSession());
    await signOut();
    return { cognitoUsername: claims['cognito:username'] };
  }],
  ['signInExisting', async () => {
    const res = await signIn({ username: q.get('existing'), password });
    signedIn(res);
    await signOut();
    return { signedIn: true };
  }],
];

const defaultSteps = steps.map(([n]) => n).filter((n) => n !== 'signInExisting');
const wanted = envList(q.get('steps'));
const result = await runSteps(steps, {
  wanted: wanted.length ? wanted : defaultSteps,
  keepGoing: q.get('keepGoing') === '1',
});
window.__results = { library: 'aws-amplify', endpoint, origin: location.origin, ...result };
window.__done = true;
document.getElementById('out').textContent = JSON.stringify(window.__results, null, 2);
