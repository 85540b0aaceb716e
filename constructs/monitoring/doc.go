// Package monitoring is the MedBookings monitoring construct: see its Config for the
// settings it takes from context.
package monitoring
