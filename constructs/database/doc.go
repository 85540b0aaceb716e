// Package database is the MedBookings database construct: see its Config for the
// settings it takes from context.
package database
