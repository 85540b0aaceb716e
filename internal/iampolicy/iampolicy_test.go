package iampolicy

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// eval evaluates req against identity (and boundaries) and fails the test
// on an evaluation error.
func eval(t *testing.T, s Set, req Request) Result {
	t.Helper()
	r, err := s.Evaluate(req)
	if err != nil {
		t.Fatalf("Evaluate(%+v): %v", req, err)
	}
	return r
}

// allowIf is a policy of one Allow statement with the condition block cond
// (JSON) on action s3:GetObject of any resource.
func allowIf(t *testing.T, cond string) *Policy {
	t.Helper()
	p, err := ParseJSON("P", []byte(`{"Version":"2012-10-17","Statement":[{"Sid":"S","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":`+cond+`}]}`))
	if err != nil {
		t.Fatalf("parse %s: %v", cond, err)
	}
	return p
}

func TestActionMatching(t *testing.T) {
	for _, c := range []struct {
		pattern, action string
		want            bool
	}{
		{"*", "s3:GetObject", true},
		{"s3:*", "s3:GetObject", true},
		{"s3:*", "s3express:CreateSession", false},
		{"s3:GetObject", "S3:getobject", true}, // case-insensitive
		{"S3:Get*", "s3:GetObjectVersion", true},
		{"s3:Get*", "s3:PutObject", false},
		{"s3:Get?bject", "s3:GetObject", true},
		{"s3:Get?bject", "s3:GetObbject", false},
		{"cloudformation:Describe*", "cloudformation:DescribeStacks", true},
		{"iam:*Role*", "iam:PassRole", true},
		{"iam:*Role*", "iam:CreatePolicy", false},
		{"sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", false}, // no implicit prefix match
	} {
		if got := ActionMatches(c.pattern, c.action); got != c.want {
			t.Errorf("ActionMatches(%q, %q) = %v, want %v", c.pattern, c.action, got, c.want)
		}
	}
}

func TestResourceMatching(t *testing.T) {
	for _, c := range []struct {
		pattern, resource string
		want              bool
	}{
		{"*", "arn:aws:s3:::b", true},
		{"arn:aws:s3:::bucket", "arn:aws:s3:::bucket", true},
		{"arn:aws:s3:::bucket", "arn:aws:s3:::Bucket", false}, // case-sensitive
		{"arn:aws:s3:::bucket", "arn:aws:s3:::bucket/key", false},
		{"arn:aws:s3:::bucket*", "arn:aws:s3:::bucket-2/a/b", true}, // * crosses /
		{"arn:aws:s3:::medbookings-staging-*", "arn:aws:s3:::medbookings-staging-assets/x", true},
		{"arn:aws:s3:::medbookings-staging-*", "arn:aws:s3:::medbookings-production-assets", false},
		{"arn:aws:iam::123456789012:role/medbookings/staging/*", "arn:aws:iam::123456789012:role/medbookings/staging/a/b", true},
		{"arn:aws:iam::123456789012:role/medbookings/staging/*", "arn:aws:iam::123456789012:role/other", false},
		{"arn:aws:iam::*:role/x", "arn:aws:iam::123456789012:role/x", true},
		{"arn:aws:logs:*:123:log-group:/aws/lambda/f-*", "arn:aws:logs:eu-west-1:123:log-group:/aws/lambda/f-server:*", true},
		// ? is one character, and not a colon in the ARN's head
		{"arn:aws:sns:eu-west-?:123:t", "arn:aws:sns:eu-west-1:123:t", true},
		{"arn:aws:sns:eu-west-?:123:t", "arn:aws:sns:eu-west-10:123:t", false},
		{"arn:aws:secretsmanager:eu-west-1:1:secret:s-??????", "arn:aws:secretsmanager:eu-west-1:1:secret:s-AbC123", true},
		{"arn:aws:secretsmanager:eu-west-1:1:secret:s-??????", "arn:aws:secretsmanager:eu-west-1:1:secret:s-AbC1234", false},
		// a * inside a head segment stays in it; one that ends it may not
		{"arn:aws:sns:eu-*1:123:t", "arn:aws:sns:eu-west:1:123:t", false},
		{"arn:aws:sns:eu-*1:123:t", "arn:aws:sns:eu-west-1:123:t", true},
		{"arn:aws:sns:*:123:t", "arn:aws:sns:eu-west-1:123:t", true},
		// the resource part may hold colons
		{"arn:aws:logs:eu-west-1:1:log-group:g:*", "arn:aws:logs:eu-west-1:1:log-group:g:log-stream:s", true},
		{"arn:aws:rds:eu-west-1:1:db:medbookings-staging", "arn:aws:rds:eu-west-1:1:db:medbookings-staging-2", false},
	} {
		if got := ResourceMatches(c.pattern, c.resource); got != c.want {
			t.Errorf("ResourceMatches(%q, %q) = %v, want %v", c.pattern, c.resource, got, c.want)
		}
	}
}

// The condition operators, one row per (operator, request context), with
// AWS's documented results: a missing key is false, except for the negated
// operators, IfExists and ForAllValues.
func TestConditionOperators(t *testing.T) {
	const tag = "aws:ResourceTag/Environment"
	ctx := func(kv ...string) map[string][]string {
		m := map[string][]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = append(m[kv[i]], kv[i+1])
		}
		return m
	}
	none := map[string][]string{}
	for _, c := range []struct {
		name, cond string
		ctx        map[string][]string
		want       bool
	}{
		{"StringEquals match", `{"StringEquals":{"aws:ResourceTag/Environment":"staging"}}`, ctx(tag, "staging"), true},
		{"StringEquals other", `{"StringEquals":{"aws:ResourceTag/Environment":"staging"}}`, ctx(tag, "production"), false},
		{"StringEquals is case-sensitive", `{"StringEquals":{"aws:ResourceTag/Environment":"staging"}}`, ctx(tag, "Staging"), false},
		{"StringEquals takes no wildcard", `{"StringEquals":{"aws:ResourceTag/Environment":"stag*"}}`, ctx(tag, "staging"), false},
		{"StringEquals missing key", `{"StringEquals":{"aws:ResourceTag/Environment":"staging"}}`, none, false},
		{"StringEquals one of several values", `{"StringEquals":{"aws:ResourceTag/Environment":["production","staging"]}}`, ctx(tag, "staging"), true},
		{"condition key names ignore case", `{"StringEquals":{"AWS:resourcetag/environment":"staging"}}`, ctx(tag, "staging"), true},
		{"StringNotEquals other", `{"StringNotEquals":{"aws:ResourceTag/Environment":"staging"}}`, ctx(tag, "production"), true},
		{"StringNotEquals same", `{"StringNotEquals":{"aws:ResourceTag/Environment":"staging"}}`, ctx(tag, "staging"), false},
		{"StringNotEquals none of several", `{"StringNotEquals":{"aws:ResourceTag/Environment":["staging","production"]}}`, ctx(tag, "production"), false},
		{"StringNotEquals missing key is true", `{"StringNotEquals":{"aws:ResourceTag/Environment":"staging"}}`, none, true},
		{"StringEqualsIgnoreCase", `{"StringEqualsIgnoreCase":{"aws:ResourceTag/Environment":"STAGING"}}`, ctx(tag, "staging"), true},
		{"StringNotEqualsIgnoreCase", `{"StringNotEqualsIgnoreCase":{"aws:ResourceTag/Environment":"STAGING"}}`, ctx(tag, "staging"), false},
		{"StringLike *", `{"StringLike":{"aws:ResourceTag/Environment":"stag*"}}`, ctx(tag, "staging"), true},
		{"StringLike ?", `{"StringLike":{"aws:ResourceTag/Environment":"stagin?"}}`, ctx(tag, "staging"), true},
		{"StringLike no match", `{"StringLike":{"aws:ResourceTag/Environment":"prod*"}}`, ctx(tag, "staging"), false},
		{"StringLike is case-sensitive", `{"StringLike":{"aws:ResourceTag/Environment":"Stag*"}}`, ctx(tag, "staging"), false},
		{"StringLike missing key", `{"StringLike":{"aws:ResourceTag/Environment":"*"}}`, none, false},
		{"StringNotLike match", `{"StringNotLike":{"aws:ResourceTag/Environment":"stag*"}}`, ctx(tag, "staging"), false},
		{"StringNotLike no match", `{"StringNotLike":{"aws:ResourceTag/Environment":"prod*"}}`, ctx(tag, "staging"), true},
		{"StringNotLike missing key is true", `{"StringNotLike":{"aws:ResourceTag/Environment":"*"}}`, none, true},
		{"ArnEquals", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:eu-west-1:1:t"}}`, ctx("aws:SourceArn", "arn:aws:sns:eu-west-1:1:t"), true},
		{"ArnEquals other", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:eu-west-1:1:t"}}`, ctx("aws:SourceArn", "arn:aws:sns:eu-west-1:1:u"), false},
		{"ArnEquals with wildcards, as AWS documents", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:1:t-*"}}`, ctx("aws:SourceArn", "arn:aws:sns:eu-west-1:1:t-9"), true},
		{"ArnLike", `{"ArnLike":{"aws:SourceArn":"arn:aws:events:*:1:rule/x-*"}}`, ctx("aws:SourceArn", "arn:aws:events:eu-west-1:1:rule/x-a"), true},
		{"ArnLike no match", `{"ArnLike":{"aws:SourceArn":"arn:aws:events:*:1:rule/x-*"}}`, ctx("aws:SourceArn", "arn:aws:events:eu-west-1:2:rule/x-a"), false},
		{"ArnLike of a non-ARN", `{"ArnLike":{"aws:SourceArn":"arn:aws:events:*:1:rule/x-*"}}`, ctx("aws:SourceArn", "rule/x-a"), false},
		{"ArnLike missing key", `{"ArnLike":{"aws:SourceArn":"arn:*"}}`, none, false},
		{"ArnNotEquals", `{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:eu-west-1:1:t"}}`, ctx("aws:SourceArn", "arn:aws:sns:eu-west-1:1:u"), true},
		{"ArnNotEquals same", `{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:eu-west-1:1:t"}}`, ctx("aws:SourceArn", "arn:aws:sns:eu-west-1:1:t"), false},
		{"ArnNotLike", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:1:t*"}}`, ctx("aws:SourceArn", "arn:aws:sns:eu-west-1:1:u"), true},
		{"ArnNotLike match", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:1:t*"}}`, ctx("aws:SourceArn", "arn:aws:sns:eu-west-1:1:t2"), false},
		{"ArnNotLike missing key is true", `{"ArnNotLike":{"aws:SourceArn":"arn:*"}}`, none, true},
		{"Bool true", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx("aws:SecureTransport", "true"), true},
		{"Bool JSON true, context True", `{"Bool":{"aws:SecureTransport":true}}`, ctx("aws:SecureTransport", "True"), true},
		{"Bool false", `{"Bool":{"aws:SecureTransport":"true"}}`, ctx("aws:SecureTransport", "false"), false},
		{"Bool missing key", `{"Bool":{"aws:SecureTransport":"false"}}`, none, false},
		{"BoolIfExists missing key", `{"BoolIfExists":{"aws:SecureTransport":"false"}}`, none, true},
		{"Null true, missing", `{"Null":{"aws:RequestTag/Environment":"true"}}`, none, true},
		{"Null true, present", `{"Null":{"aws:RequestTag/Environment":"true"}}`, ctx("aws:RequestTag/Environment", "x"), false},
		{"Null false, present", `{"Null":{"aws:RequestTag/Environment":"false"}}`, ctx("aws:RequestTag/Environment", "x"), true},
		{"StringEqualsIfExists missing key", `{"StringEqualsIfExists":{"aws:ResourceTag/Environment":"staging"}}`, none, true},
		{"StringEqualsIfExists present, other", `{"StringEqualsIfExists":{"aws:ResourceTag/Environment":"staging"}}`, ctx(tag, "production"), false},
		{"StringEqualsIfExists present, same", `{"StringEqualsIfExists":{"aws:ResourceTag/Environment":"staging"}}`, ctx(tag, "staging"), true},
		{"StringNotEqualsIfExists present, same", `{"StringNotEqualsIfExists":{"aws:ResourceTag/Environment":"staging"}}`, ctx(tag, "staging"), false},
		{"ArnLikeIfExists missing key", `{"ArnLikeIfExists":{"aws:SourceArn":"arn:aws:sns:*"}}`, none, true},
		// set operators on a multivalued key
		{"ForAllValues all in set", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b","c"]}}`, ctx("aws:TagKeys", "a", "aws:TagKeys", "b"), true},
		{"ForAllValues one outside", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}`, ctx("aws:TagKeys", "a", "aws:TagKeys", "z"), false},
		{"ForAllValues missing key is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, none, true},
		{"ForAllValues empty key is true", `{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}`, map[string][]string{"aws:TagKeys": {}}, true},
		{"ForAllValues:StringLike", `{"ForAllValues:StringLike":{"aws:TagKeys":"key1*"}}`, ctx("aws:TagKeys", "key1:hr", "aws:TagKeys", "key1:x"), true},
		// AWS's example table for ForAllValues:StringNotLike
		{"ForAllValues:StringNotLike key1:legal", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, ctx("aws:TagKeys", "key1:legal"), false},
		{"ForAllValues:StringNotLike key2:audit", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, ctx("aws:TagKeys", "key2:audit"), true},
		{"ForAllValues:StringNotLike missing", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, none, true},
		{"ForAnyValue one in set", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, ctx("aws:TagKeys", "z", "aws:TagKeys", "a"), true},
		{"ForAnyValue none in set", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, ctx("aws:TagKeys", "y", "aws:TagKeys", "z"), false},
		{"ForAnyValue missing key is false", `{"ForAnyValue:StringEquals":{"aws:TagKeys":["a"]}}`, none, false},
		{"ForAnyValue:StringNotEquals one outside", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a"]}}`, ctx("aws:TagKeys", "a", "aws:TagKeys", "b"), true},
		{"ForAnyValue:StringNotEquals all inside", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["a","b"]}}`, ctx("aws:TagKeys", "a", "aws:TagKeys", "b"), false},
		{"ForAnyValue:StringEqualsIfExists missing", `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["a"]}}`, none, true},
		{"ForAllValues:StringEquals Route 53 names", `{"ForAllValues:StringEquals":{"route53:ChangeResourceRecordSetsNormalizedRecordNames":["a.example.com","b.example.com"]}}`,
			ctx("route53:ChangeResourceRecordSetsNormalizedRecordNames", "a.example.com"), true},
		{"ForAllValues:StringEquals does not expand ?", `{"ForAllValues:StringEquals":{"route53:ChangeResourceRecordSetsNormalizedRecordNames":["_??.example.com"]}}`,
			ctx("route53:ChangeResourceRecordSetsNormalizedRecordNames", "_ab.example.com"), false},
		{"ForAllValues:StringLike expands ?", `{"ForAllValues:StringLike":{"route53:ChangeResourceRecordSetsNormalizedRecordNames":["_??.example.com"]}}`,
			ctx("route53:ChangeResourceRecordSetsNormalizedRecordNames", "_ab.example.com"), true},
		// several keys and operators: all must hold
		{"two keys, both hold", `{"StringEquals":{"kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com","aws:ResourceTag/Environment":"staging"}}`,
			ctx("kms:ViaService", "secretsmanager.eu-west-1.amazonaws.com", tag, "staging"), true},
		{"two keys, one fails", `{"StringEquals":{"kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com","aws:ResourceTag/Environment":"staging"}}`,
			ctx("kms:ViaService", "sns.eu-west-1.amazonaws.com", tag, "staging"), false},
		{"two operators, one fails", `{"StringEquals":{"kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com"},"StringLike":{"kms:EncryptionContext:SecretARN":"arn:aws:secretsmanager:eu-west-1:1:secret:a-*"}}`,
			ctx("kms:ViaService", "secretsmanager.eu-west-1.amazonaws.com", "kms:EncryptionContext:SecretARN", "arn:aws:secretsmanager:eu-west-1:1:secret:b-x"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := eval(t, Set{Identity: []*Policy{allowIf(t, c.cond)}}, Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: c.ctx})
			if got := r.Decision == Allowed; got != c.want {
				t.Errorf("condition %s with %v: holds = %v, want %v (%s)", c.cond, c.ctx, got, c.want, r)
			}
		})
	}
}

// A key with several values needs a set operator: the evaluator refuses to
// guess.
func TestMultivaluedKeyNeedsSetOperator(t *testing.T) {
	p := allowIf(t, `{"StringEquals":{"aws:TagKeys":"a"}}`)
	_, err := Set{Identity: []*Policy{p}}.Evaluate(Request{Action: "s3:GetObject", Resource: "*",
		Context: map[string][]string{"aws:TagKeys": {"a", "b"}}})
	if err == nil || !strings.Contains(err.Error(), "ForAllValues") {
		t.Errorf("err = %v, want the set operators named", err)
	}
}

func TestNotActionAndNotResource(t *testing.T) {
	p := MustParse("P", `{"Version":"2012-10-17","Statement":[
		{"Sid":"AllButIAM","Effect":"Allow","NotAction":["iam:*","sts:Assume*"],"Resource":"*"},
		{"Sid":"DenyOutside","Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::mine","arn:aws:s3:::mine/*"]}]}`)
	s := Set{Identity: []*Policy{p}}
	for _, c := range []struct {
		action, resource string
		want             Decision
		sid              string
	}{
		{"ec2:CreateVpc", "*", Allowed, "AllButIAM"},
		{"iam:CreateRole", "arn:aws:iam::1:role/x", ImplicitDeny, ""},
		{"IAM:createrole", "arn:aws:iam::1:role/x", ImplicitDeny, ""},
		{"sts:AssumeRole", "arn:aws:iam::1:role/x", ImplicitDeny, ""},
		{"sts:GetCallerIdentity", "*", Allowed, "AllButIAM"},
		{"s3:GetObject", "arn:aws:s3:::mine/k", Allowed, "AllButIAM"},
		{"s3:GetObject", "arn:aws:s3:::theirs/k", ExplicitDeny, "DenyOutside"},
		{"s3:GetObject", "arn:aws:s3:::mine2/k", ExplicitDeny, "DenyOutside"},
	} {
		r := eval(t, s, Request{Action: c.action, Resource: c.resource})
		if r.Decision != c.want || r.Sid != c.sid {
			t.Errorf("%s on %s: %s, want %s by %q", c.action, c.resource, r, c.want, c.sid)
		}
	}
}

// The decision logic: explicit deny anywhere wins; the identity policies
// must allow; every boundary must allow too.
func TestDecisions(t *testing.T) {
	identity := MustParse("Identity", `{"Version":"2012-10-17","Statement":[
		{"Sid":"S3","Effect":"Allow","Action":"s3:*","Resource":"*"},
		{"Sid":"Logs","Effect":"Allow","Action":"logs:*","Resource":"*"},
		{"Effect":"Allow","Action":"sns:Publish","Resource":"*"},
		{"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*"}]}`)
	boundary := MustParse("Boundary", `{"Version":"2012-10-17","Statement":[
		{"Sid":"Ceiling","Effect":"Allow","Action":["s3:*","sns:*","sqs:*"],"Resource":"*"},
		{"Sid":"DenyProduction","Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/Environment":"production"}}}]}`)
	second := MustParse("Second", `{"Version":"2012-10-17","Statement":[
		{"Sid":"OnlyS3","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	prod := map[string][]string{"aws:ResourceTag/Environment": {"production"}}
	for _, c := range []struct {
		name   string
		set    Set
		req    Request
		want   Decision
		policy string
		sid    string
	}{
		{"identity allows, no boundary", Set{Identity: []*Policy{identity}}, Request{Action: "logs:PutLogEvents", Resource: "*"}, Allowed, "Identity", "Logs"},
		{"nothing allows", Set{Identity: []*Policy{identity}}, Request{Action: "ec2:CreateVpc", Resource: "*"}, ImplicitDeny, "", ""},
		{"identity deny beats its allow", Set{Identity: []*Policy{identity}}, Request{Action: "s3:DeleteBucket", Resource: "arn:aws:s3:::b"}, ExplicitDeny, "Identity", "NoDelete"},
		{"within the boundary", Set{Identity: []*Policy{identity}, Boundaries: []*Policy{boundary}}, Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k"}, Allowed, "Identity", "S3"},
		{"outside the boundary", Set{Identity: []*Policy{identity}, Boundaries: []*Policy{boundary}}, Request{Action: "logs:PutLogEvents", Resource: "*"}, ImplicitDeny, "Boundary", ""},
		{"the boundary alone grants nothing", Set{Boundaries: []*Policy{boundary}}, Request{Action: "sqs:SendMessage", Resource: "*"}, ImplicitDeny, "", ""},
		{"boundary deny beats identity allow", Set{Identity: []*Policy{identity}, Boundaries: []*Policy{boundary}}, Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Context: prod}, ExplicitDeny, "Boundary", "DenyProduction"},
		{"boundary deny without boundary allow still denies", Set{Identity: []*Policy{identity}, Boundaries: []*Policy{boundary}}, Request{Action: "logs:PutLogEvents", Resource: "*", Context: prod}, ExplicitDeny, "Boundary", "DenyProduction"},
		{"every boundary must allow", Set{Identity: []*Policy{identity}, Boundaries: []*Policy{boundary, second}}, Request{Action: "sns:Publish", Resource: "*"}, ImplicitDeny, "Second", ""},
		{"both boundaries allow", Set{Identity: []*Policy{identity}, Boundaries: []*Policy{boundary, second}}, Request{Action: "s3:PutObject", Resource: "*"}, Allowed, "Identity", "S3"},
		{"a statement without Sid", Set{Identity: []*Policy{identity}}, Request{Action: "sns:Publish", Resource: "*"}, Allowed, "Identity", ""},
		{"a second identity policy", Set{Identity: []*Policy{second, identity}}, Request{Action: "logs:CreateLogGroup", Resource: "*"}, Allowed, "Identity", "Logs"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := eval(t, c.set, c.req)
			if r.Decision != c.want || r.Policy != c.policy || r.Sid != c.sid {
				t.Errorf("%s: %+v, want %s by %s/%q", c.req.Action, r, c.want, c.policy, c.sid)
			}
		})
	}
	r := eval(t, Set{Identity: []*Policy{identity}}, Request{Action: "sns:Publish", Resource: "*"})
	if r.Index != 2 || !strings.Contains(r.Reason, "Identity/#2") {
		t.Errorf("unnamed statement: Index %d, Reason %q; want 2 and Identity/#2", r.Index, r.Reason)
	}
	if _, err := (Set{}).Evaluate(Request{Action: "GetObject", Resource: "*"}); err == nil {
		t.Error("an action without service prefix: no error")
	}
}

func TestParseRefusesWhatItCannotEvaluate(t *testing.T) {
	for _, c := range []struct{ name, doc, want string }{
		{"principal", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`, "Principal"},
		{"numeric operator", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"10"}}}]}`, "NumericLessThan"},
		{"unknown set operator", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForEach:StringEquals":{"k":"v"}}}]}`, "ForEach"},
		{"Null with IfExists", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NullIfExists":{"k":"true"}}}]}`, "Null"},
		{"Bool of a word", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"k":"yes"}}}]}`, "true or false"},
		{"policy variable in a resource", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}"}]}`, "policy variables"},
		{"policy variable in a value", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"k":"${aws:username}"}}}]}`, "policy variable"},
		{"unresolved intrinsic", `{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":{"Fn::Join":["",["a"]]}}]}`, "Resolve"},
		{"Action and NotAction", `{"Statement":[{"Effect":"Allow","Action":"s3:*","NotAction":"iam:*","Resource":"*"}]}`, "exactly one of Action"},
		{"no Resource", `{"Statement":[{"Effect":"Allow","Action":"s3:*"}]}`, "exactly one of Resource"},
		{"no Effect", `{"Statement":[{"Action":"s3:*","Resource":"*"}]}`, "no Effect"},
		{"bad Effect", `{"Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}`, "Effect"},
		{"action without service", `{"Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}`, "service:action"},
		{"bad version", `{"Version":"2020-01-01","Statement":[]}`, "Version"},
		{"no statement", `{"Version":"2012-10-17"}`, "no Statement"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseJSON("P", []byte(c.doc))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
	// A single statement object and string values parse.
	p := MustParse("P", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}`)
	if len(p.Statements) != 1 || !p.Statements[0].Deny || !reflect.DeepEqual(p.Statements[0].Actions, []string{"s3:*"}) {
		t.Errorf("parsed %+v", p)
	}
}

func TestResolve(t *testing.T) {
	env := Env{Account: "123456789012", Region: "eu-west-1"}
	var doc any
	if err := json.Unmarshal([]byte(`{
		"Version": "2012-10-17",
		"Statement": [{
			"Effect": "Allow", "Action": "s3:GetObject",
			"Resource": [
				{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::b-", {"Ref": "AWS::AccountId"}, "/*"]]},
				{"Fn::GetAtt": ["Bucket83908E77", "Arn"]},
				{"Fn::GetAtt": "Other.Arn"},
				{"Ref": "Topic"},
				{"Fn::Sub": "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:${Topic.TopicName}"},
				{"Fn::Sub": ["arn:aws:s3:::${Name}/${AWS::URLSuffix}", {"Name": {"Ref": "Bucket83908E77"}}]},
				{"Fn::Join": ["/", [{"Fn::Join": ["", ["a", {"Ref": "AWS::Region"}]]}, "b"]]}
			],
			"Condition": {"StringEquals": {"iam:PermissionsBoundary": {"Fn::Join": ["", ["arn:aws:iam::", {"Ref": "AWS::AccountId"}, ":policy/pb"]]}}}
		}]
	}`), &doc); err != nil {
		t.Fatal(err)
	}
	got, err := Resolve(doc, env)
	if err != nil {
		t.Fatal(err)
	}
	st := got.(map[string]any)["Statement"].([]any)[0].(map[string]any)
	want := []any{
		"arn:aws:s3:::b-123456789012/*",
		"<Bucket83908E77.Arn>",
		"<Other.Arn>",
		"<Topic>",
		"arn:aws:sns:eu-west-1:123456789012:<Topic.TopicName>",
		"arn:aws:s3:::<Bucket83908E77>/amazonaws.com",
		"aeu-west-1/b",
	}
	if !reflect.DeepEqual(st["Resource"], want) {
		t.Errorf("Resource\n got %v\nwant %v", st["Resource"], want)
	}
	if got := st["Condition"].(map[string]any)["StringEquals"].(map[string]any)["iam:PermissionsBoundary"]; got != "arn:aws:iam::123456789012:policy/pb" {
		t.Errorf("condition value %v", got)
	}
	// The input is not changed.
	if _, ok := doc.(map[string]any)["Statement"].([]any)[0].(map[string]any)["Resource"].([]any)[0].(string); ok {
		t.Error("Resolve changed its input")
	}
	// ${!Literal} is written as ${Literal}: a policy variable, which Parse refuses.
	var lit any = map[string]any{"Fn::Sub": "arn:aws:s3:::b/${!aws:username}"}
	if r, err := Resolve(lit, env); err != nil || r != "arn:aws:s3:::b/${aws:username}" {
		t.Errorf("Resolve(%v) = %v, %v", lit, r, err)
	}
	if _, err := ResolveAndParse("Lit", map[string]any{"Statement": map[string]any{"Effect": "Allow", "Action": "s3:*", "Resource": lit}}, env); err == nil {
		t.Error("a policy variable after Resolve: no error")
	}
	// What it cannot resolve is an error.
	for _, c := range []struct {
		v   string
		env Env
	}{
		{`{"Fn::If": ["C", "a", "b"]}`, env},
		{`{"Fn::ImportValue": "x"}`, env},
		{`{"Ref": "AWS::AccountId"}`, Env{Region: "eu-west-1"}},
		{`{"Ref": "AWS::StackName"}`, env},
		{`{"Fn::Sub": "${AWS::NotificationARNs}"}`, env},
		{`{"Fn::Join": ["", "notalist"]}`, env},
	} {
		var v any
		if err := json.Unmarshal([]byte(c.v), &v); err != nil {
			t.Fatal(err)
		}
		if r, err := Resolve(v, c.env); err == nil {
			t.Errorf("Resolve(%s) = %v, want an error", c.v, r)
		}
	}
	// Resolved and parsed, the policy evaluates.
	p, err := ResolveAndParse("Doc", doc, env)
	if err != nil {
		t.Fatal(err)
	}
	r := eval(t, Set{Identity: []*Policy{p}}, Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b-123456789012/k",
		Context: map[string][]string{"iam:PermissionsBoundary": {"arn:aws:iam::123456789012:policy/pb"}}})
	if r.Decision != Allowed {
		t.Errorf("resolved policy: %s", r)
	}
}
