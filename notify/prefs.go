package notify

// Category of alert notifications.
const CategoryRMMAlert = "rmm-alert"

// Channels a notification can go out on; user preferences are keyed by
// category, then channel.
const (
	ChannelInApp = "inApp"
	ChannelEmail = "email"
)

// Allowed reports whether a user's preferences let a notification of the
// category out on the channel. Anything not set is allowed: a user opts
// out, never in.
func Allowed(prefs map[string]map[string]bool, category, channel string) bool {
	on, ok := prefs[category][channel]
	return !ok || on
}
