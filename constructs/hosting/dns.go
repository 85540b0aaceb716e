package hosting

import (
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/jsii-runtime-go"
)

// SPFValue is the domain's SPF record (SendGrid, FR-11.3).
const SPFValue = "v=spf1 include:sendgrid.net ~all"

// DNSRecord is a record the environment needs in the domain's DNS.
type DNSRecord struct {
	// Name is the fully qualified record name.
	Name string
	// Type is ALIAS (an apex alias: ALIAS/ANAME or CNAME flattening at the
	// DNS provider, an A/AAAA alias in Route 53), CNAME or TXT.
	Type string
	// Value is the record's value (a token for the distribution's name).
	Value *string
	// Purpose says what the record is for.
	Purpose string
	// InRoute53 is true when the stack creates it in the hosted zone.
	InRoute53 bool
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]+`)

// createDNSRecords lists the hosts' records (pointing at the distribution)
// and, for the environment that serves the apex, the domain's mail records;
// with a hosted zone it creates them.
func (h *Hosting) createDNSRecords() {
	p := h.props
	zone := p.HostedZone
	target := h.Distribution.DistributionDomainName()
	for _, host := range h.Hosts {
		typ := "CNAME"
		if host == p.Domain {
			typ = "ALIAS"
		}
		h.DNSRecords = append(h.DNSRecords, DNSRecord{Name: host, Type: typ, Value: target, Purpose: "the app (CloudFront)"})
		if zone != nil {
			alias := awsroute53.RecordTarget_FromAlias(awsroute53targets.NewCloudFrontTarget(h.Distribution))
			id := constructID(strings.TrimSuffix(strings.TrimSuffix(host, p.Domain), "."))
			awsroute53.NewARecord(h.Construct, jsii.String(id+"A"), &awsroute53.ARecordProps{Zone: zone, RecordName: jsii.String(host + "."), Target: alias})
			awsroute53.NewAaaaRecord(h.Construct, jsii.String(id+"Aaaa"), &awsroute53.AaaaRecordProps{Zone: zone, RecordName: jsii.String(host + "."), Target: alias})
		}
	}
	if slices.Contains(h.Hosts, p.Domain) {
		mail := []DNSRecord{
			{Name: p.Domain, Type: "TXT", Value: jsii.String(SPFValue), Purpose: "SendGrid SPF"},
			{Name: "_dmarc." + p.Domain, Type: "TXT", Value: jsii.String("v=DMARC1; p=none; rua=mailto:" + p.DMARCReports), Purpose: "DMARC (monitoring only, reports to the alert address)"},
		}
		for _, n := range slices.Sorted(maps.Keys(p.SendGridDKIM)) {
			mail = append(mail, DNSRecord{Name: n, Type: "CNAME", Value: jsii.String(p.SendGridDKIM[n]), Purpose: "SendGrid DKIM"})
		}
		for _, r := range mail {
			if zone == nil {
				continue
			}
			id := "Mail" + constructID(strings.TrimSuffix(strings.TrimSuffix(r.Name, p.Domain), ".")) + r.Type
			if r.Type == "TXT" {
				awsroute53.NewTxtRecord(h.Construct, jsii.String(id), &awsroute53.TxtRecordProps{Zone: zone, RecordName: jsii.String(r.Name + "."), Values: &[]*string{r.Value}})
			} else {
				awsroute53.NewCnameRecord(h.Construct, jsii.String(id), &awsroute53.CnameRecordProps{Zone: zone, RecordName: jsii.String(r.Name + "."), DomainName: r.Value})
			}
		}
		h.DNSRecords = append(h.DNSRecords, mail...)
	}
	for i := range h.DNSRecords {
		h.DNSRecords[i].InRoute53 = zone != nil
	}
}

// constructID turns a DNS label path into a PascalCase construct ID ("" is Apex).
func constructID(label string) string {
	if label == "" {
		return "Apex"
	}
	id := ""
	for _, w := range strings.Fields(nonAlnum.ReplaceAllString(label, " ")) {
		id += strings.ToUpper(w[:1]) + w[1:]
	}
	return id
}

var sentryHostRE = regexp.MustCompile(`^[a-z0-9-]+\.ingest(\.[a-z]{2})?\.sentry\.io$`)

// SentryOrigin is the https origin the browser SDK sends events to, taken
// from a DSN's host; false for anything that is not a Sentry DSN.
func SentryOrigin(dsn string) (string, bool) {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme != "https" || u.User == nil || u.User.Username() == "" ||
		!sentryHostRE.MatchString(u.Host) || strings.Trim(u.Path, "/") == "" || u.RawQuery != "" {
		return "", false
	}
	if _, hasPassword := u.User.Password(); hasPassword {
		return "", false // the deprecated secret part of old DSNs: never in config
	}
	return "https://" + u.Host, true
}
