// Package storage is the MedBookings storage construct: the uploads bucket
// that replaces Vercel Blob (FR-11.2), its customer managed KMS key and its
// server access log bucket, plus the least-privilege grant the app's compute
// role receives (Uploads.GrantUploads).
//
// The settings come from context (Config, medbookings.<env>.storage); the
// application reads the bucket through EnvBucketName and EnvBucketRegion.
// Choices, costs and operations: docs/storage.md.
package storage
