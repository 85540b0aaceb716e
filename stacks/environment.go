package stacks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/sheigoldberg/medbookings/infrastructure/internal/config"
)

// Environment is one environment as the stacks build it: every name and
// value derived from the settings once, in Go types.
type Environment struct {
	// Name is "staging" or "production"; Title "Staging" or "Production".
	Name, Title string
	// StackName is MedBookingsInfraStack-<Title>; EdgeStackName its
	// us-east-1 companion, MedBookingsEdge-<Title>.
	StackName, EdgeStackName string
	// Prefix is medbookings-<name>: the RDS instance identifier and the
	// prefix of the function names.
	Prefix string
	// Region and Account (nil: account-agnostic) of the environment stack.
	Region  string
	Account *string
	// Qualifier is the CDK bootstrap qualifier its stacks deploy with.
	Qualifier string
	// Domain is the shared apex domain; HostedZoneID its Route 53 zone or "".
	Domain, HostedZoneID string
	// AlertEmail receives the alarms, the budget and the DMARC reports.
	AlertEmail string
	// CanonicalHost serves the app, RedirectHosts answer 301 to it; Hosts
	// are both, canonical first; URL is https://<canonical>; Origins are
	// https://<host> for every host.
	CanonicalHost string
	RedirectHosts []string
	Hosts         []string
	URL           string
	Origins       []string
	// UploadsBucket is the uploads bucket's name, medbookings-uploads-<name>.
	UploadsBucket string
	// Namespace of the environment's custom metrics, MedBookings/<Title>.
	Namespace string
	// TerminationProtection of the stack.
	TerminationProtection bool
	// Data is the removal policy of buckets, secrets and keys; Logs of the
	// log groups; Database of the instance (always a final snapshot).
	Data, Logs, Database awscdk.RemovalPolicy
	// LogRetention of every log group.
	LogRetention awslogs.RetentionDays
	// StopWindows are the database's daily stop windows; QuietWindows the
	// same, plus 15 minutes for the instance to start, when the health
	// probe and the jobs expect the site to be down.
	StopWindows, QuietWindows []config.DailyWindow
	// Settings are the decoded settings, for the values used as they are.
	Settings EnvironmentSettings
}

// DeliveryStackName is the account-wide stack of the GitHub Actions
// pipeline. It belongs to no environment: IAM allows one GitHub OIDC provider
// per account, it is deployed by hand with administrator credentials (the
// deploy roles cannot change their own trust), and
// `cdk deploy 'MedBookingsInfraStack-*'` leaves it alone.
const DeliveryStackName = "MedBookingsDelivery"

// Title is name with a capital first letter.
func Title(name string) string {
	if name == "" {
		return ""
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// StartupMinutes is how long a stopped instance takes to start, for the
// quiet windows.
const StartupMinutes = 15

// Environments are both environments, staging first.
func (s *Settings) Environments() []Environment {
	out := make([]Environment, 0, len(EnvironmentNames))
	for _, name := range EnvironmentNames {
		out = append(out, s.derive(name))
	}
	return out
}

// Environment is the environment called name.
func (s *Settings) Environment(name string) (Environment, error) {
	if !slices.Contains(EnvironmentNames, name) {
		return Environment{}, fmt.Errorf("unknown environment %q; allowed: %s", name, strings.Join(EnvironmentNames, ", "))
	}
	return s.derive(name), nil
}

func (s *Settings) derive(name string) Environment {
	e := s.environment(name)
	title := Title(name)
	env := Environment{
		Name:                  name,
		Title:                 title,
		StackName:             "MedBookingsInfraStack-" + title,
		EdgeStackName:         "MedBookingsEdge-" + title,
		Prefix:                "medbookings-" + name,
		Region:                s.Shared.Region,
		Domain:                s.Shared.Domain,
		HostedZoneID:          s.Shared.HostedZoneID,
		Qualifier:             e.BootstrapQualifier,
		AlertEmail:            s.Shared.AlertEmail,
		CanonicalHost:         e.CanonicalHost,
		RedirectHosts:         e.RedirectHosts,
		Hosts:                 append([]string{e.CanonicalHost}, e.RedirectHosts...),
		URL:                   "https://" + e.CanonicalHost,
		UploadsBucket:         "medbookings-uploads-" + name,
		Namespace:             "MedBookings/" + title,
		TerminationProtection: e.TerminationProtection,
		Data:                  awscdk.RemovalPolicy_DESTROY,
		Logs:                  awscdk.RemovalPolicy_DESTROY,
		Database:              awscdk.RemovalPolicy_SNAPSHOT,
		LogRetention:          retention(e.Monitoring.LogRetentionDays),
		Settings:              e,
	}
	if s.Shared.Account != "" {
		env.Account = jsii.String(s.Shared.Account)
	}
	if e.RetainOnDelete {
		env.Data, env.Logs = awscdk.RemovalPolicy_RETAIN, awscdk.RemovalPolicy_RETAIN
	}
	for _, h := range env.Hosts {
		env.Origins = append(env.Origins, "https://"+h)
	}
	for _, w := range e.Database.StopSchedule {
		stop, _ := config.ParseClock(w.StopAt)
		start, _ := config.ParseClock(w.StartAt)
		env.StopWindows = append(env.StopWindows, config.DailyWindow{Start: stop, End: start})
		env.QuietWindows = append(env.QuietWindows, config.DailyWindow{Start: stop, End: (start + StartupMinutes) % (24 * 60)})
	}
	return env
}

var retentionEnum = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS, 5: awslogs.RetentionDays_FIVE_DAYS,
	7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS, 120: awslogs.RetentionDays_FOUR_MONTHS,
	150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS, 731: awslogs.RetentionDays_TWO_YEARS,
	1096: awslogs.RetentionDays_THREE_YEARS, 1827: awslogs.RetentionDays_FIVE_YEARS, 2192: awslogs.RetentionDays_SIX_YEARS,
	2557: awslogs.RetentionDays_SEVEN_YEARS, 2922: awslogs.RetentionDays_EIGHT_YEARS, 3288: awslogs.RetentionDays_NINE_YEARS,
	3653: awslogs.RetentionDays_TEN_YEARS,
}

// retention is a validated retention period as CDK's enum.
func retention(days int) awslogs.RetentionDays {
	if r, ok := retentionEnum[days]; ok {
		return r
	}
	panic(fmt.Sprintf("stacks: %d days is not a CloudWatch Logs retention period (Load validates it)", days))
}
