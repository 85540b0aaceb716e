package cdktest

import (
	"reflect"
	"testing"
)

func TestTemplateReaders(t *testing.T) {
	tpl := map[string]any{"Resources": map[string]any{
		"BucketA1": map[string]any{"Type": "AWS::S3::Bucket", "Metadata": map[string]any{"aws:cdk:path": "S/Bucket/Resource"}},
		"PolicyB2": map[string]any{"Type": "AWS::S3::BucketPolicy", "Properties": map[string]any{
			"Resource": map[string]any{"Fn::Join": []any{"", []any{GetAtt("BucketA1", "Arn"), "/media/*"}}},
			"Bucket":   Ref("BucketA1"),
		}},
	}}
	if got := IDAt(t, tpl, "S/Bucket/Resource"); got != "BucketA1" {
		t.Errorf("IDAt = %q, want BucketA1", got)
	}
	if got := OfType(tpl, "AWS::S3::BucketPolicy"); len(got) != 1 || got["PolicyB2"] == nil {
		t.Errorf("OfType = %v, want PolicyB2 only", got)
	}
	id, r := Only(t, tpl, "AWS::S3::BucketPolicy")
	want := map[string]any{"Resource": "${BucketA1.Arn}/media/*", "Bucket": "${BucketA1}"}
	if got := Flatten(Props(r)); id != "PolicyB2" || !reflect.DeepEqual(got, want) {
		t.Errorf("Flatten(Props(%s)) = %v, want %v", id, got, want)
	}
	if got := CompactJSON(map[string]any{"e": "a > b"}); got != `{"e":"a > b"}` {
		t.Errorf("CompactJSON = %s", got)
	}
}
