// Package storage is the MedBookings storage construct: see its Config for the
// settings it takes from context.
package storage
