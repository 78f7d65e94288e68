// Package auth authenticates API requests: a bearer token, stored hashed,
// or a browser's sign-in session names a user, whose tenant and role become
// the request's tenancy.Viewer.
//
// # Sessions and CSRF
//
// A sign-in session (package signin; login_sessions, token stored hashed)
// is an HttpOnly SameSite=Lax cookie. A cookie-authenticated request needs
// the session's CSRF token (an HMAC of the session token, kept by the UI in
// a readable cookie) in X-CSRF-Token, or in a socket's connection_init, so
// another site cannot use the cookie. A deactivated user's tokens and
// sessions stop authenticating.
//
// # Live sockets
//
// A WebSocket authenticates in connection_init and then stays a Session of
// its process. A change to a token or user (RevokeToken, SetRole,
// deactivation, sign-out) is announced after commit on the Redis channel
// alertdesk:auth; each process holds one subscription to it while it has
// sockets, and closes the named ones with code 4403 and the reason. Every
// new subscription re-checks its token, and all sockets are re-checked every
// minute, so a lost broadcast delays a close, never skips it.
package auth
