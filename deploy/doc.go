// Package deploy holds no code: its test checks the deployment files
// (Dockerfile, compose.yaml, the systemd units and their environment file)
// against the configuration alertdesk reads.
package deploy
