// Package workflows holds the tests of the GitHub Actions workflows in
// .github/workflows: actionlint (its Go API, offline) and the names the
// workflows share with the delivery construct.
package workflows
