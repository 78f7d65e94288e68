package secrets

import "strconv"

// integrationAD binds sealed credentials to their integration row, so
// credentials copied to another integration do not open.
func integrationAD(integrationID int) []byte {
	return []byte("integration-credentials:" + strconv.Itoa(integrationID))
}

// SealCredentials encrypts an integration's credentials (plaintext JSON)
// for its credentials column.
func (b *Box) SealCredentials(integrationID int, plaintext []byte) ([]byte, error) {
	return b.Seal(plaintext, integrationAD(integrationID))
}

// OpenCredentials decrypts an integration's credentials column.
func (b *Box) OpenCredentials(integrationID int, sealed []byte) ([]byte, error) {
	return b.Open(sealed, integrationAD(integrationID))
}
