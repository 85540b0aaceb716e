package stacks

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// LegacyLogicalIDs keep the logical IDs that resources had before the
// December 2026 move of the Next.js server into the VPC, when the database
// construct created the VPC and its key. A new logical ID is a new
// resource: a new key, VPC or subnet would replace the database instance
// with it. The database's subnets keep their place (10.20.0.0/24 and
// 10.20.1.0/24, formerly public, now the isolated Data subnets: they only
// lose their route to the internet), the formerly isolated subnets become
// the App subnets (and gain the route to the NAT), and the Ingress subnets
// are new. Keys are construct paths below the stack, values the logical IDs.
var LegacyLogicalIDs = map[string]string{
	"DataKey/Resource":                              "DatabaseKey5E5D9547",
	"DataKey/Alias/Resource":                        "DatabaseKeyAlias027C0402",
	"Network/Vpc/Resource":                          "DatabaseVpc84C1A5A8",
	"Network/Vpc/IGW":                               "DatabaseVpcIGW3CA2C4CE",
	"Network/Vpc/VPCGW":                             "DatabaseVpcVPCGWF9969C48",
	"Network/Vpc/DataSubnet1/Subnet":                "DatabaseVpcPublicSubnet1SubnetD31C4D9A",
	"Network/Vpc/DataSubnet1/RouteTable":            "DatabaseVpcPublicSubnet1RouteTable683A6CBF",
	"Network/Vpc/DataSubnet1/RouteTableAssociation": "DatabaseVpcPublicSubnet1RouteTableAssociation19599B68",
	"Network/Vpc/DataSubnet2/Subnet":                "DatabaseVpcPublicSubnet2Subnet765A97D7",
	"Network/Vpc/DataSubnet2/RouteTable":            "DatabaseVpcPublicSubnet2RouteTable7BA1E138",
	"Network/Vpc/DataSubnet2/RouteTableAssociation": "DatabaseVpcPublicSubnet2RouteTableAssociationDAC8F37E",
	"Network/Vpc/AppSubnet1/Subnet":                 "DatabaseVpcIsolatedSubnet1Subnet9D9CA66A",
	"Network/Vpc/AppSubnet1/RouteTable":             "DatabaseVpcIsolatedSubnet1RouteTableA7E25072",
	"Network/Vpc/AppSubnet1/RouteTableAssociation":  "DatabaseVpcIsolatedSubnet1RouteTableAssociation88734A7E",
	"Network/Vpc/AppSubnet2/Subnet":                 "DatabaseVpcIsolatedSubnet2SubnetA0F3D3CD",
	"Network/Vpc/AppSubnet2/RouteTable":             "DatabaseVpcIsolatedSubnet2RouteTable6FAE166A",
	"Network/Vpc/AppSubnet2/RouteTableAssociation":  "DatabaseVpcIsolatedSubnet2RouteTableAssociation4AF75DF8",
}

// pinLegacyLogicalIDs gives the resources of LegacyLogicalIDs their old IDs.
func pinLegacyLogicalIDs(stack awscdk.Stack) {
	for _, path := range slices.Sorted(maps.Keys(LegacyLogicalIDs)) {
		c := findPath(stack, path)
		if c == nil {
			panic(fmt.Sprintf("stacks: no construct at %s to pin to %s", path, LegacyLogicalIDs[path]))
		}
		c.(awscdk.CfnElement).OverrideLogicalId(jsii.String(LegacyLogicalIDs[path]))
	}
}

// findPath finds the construct at a path of IDs below scope, or nil.
func findPath(scope constructs.IConstruct, path string) constructs.IConstruct {
	c := scope
	for _, id := range strings.Split(path, "/") {
		if c = c.Node().TryFindChild(jsii.String(id)); c == nil {
			return nil
		}
	}
	return c
}
