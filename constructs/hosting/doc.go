// Package hosting is the MedBookings hosting construct: see its Config for the
// settings it takes from context.
package hosting
