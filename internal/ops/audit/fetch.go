package audit

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// API is the part of the Cognito client Fetch calls; *cip.Client has it.
// The calls need cognito-idp:DescribeUserPool, ListUserPoolClients and
// DescribeUserPoolClient.
type API interface {
	DescribeUserPool(ctx context.Context, in *cip.DescribeUserPoolInput, optFns ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error)
	ListUserPoolClients(ctx context.Context, in *cip.ListUserPoolClientsInput, optFns ...func(*cip.Options)) (*cip.ListUserPoolClientsOutput, error)
	DescribeUserPoolClient(ctx context.Context, in *cip.DescribeUserPoolClientInput, optFns ...func(*cip.Options)) (*cip.DescribeUserPoolClientOutput, error)
}

// Fetch reads pool poolID and every app client in it. served lists the
// client ids the proxy serves in this pool; those the pool lacks are
// recorded in Snapshot.Missing.
func Fetch(ctx context.Context, api API, poolID string, served []string) (*Snapshot, error) {
	p, err := api.DescribeUserPool(ctx, &cip.DescribeUserPoolInput{UserPoolId: aws.String(poolID)})
	if err != nil {
		return nil, fmt.Errorf("DescribeUserPool %s: %w", poolID, err)
	}
	if p.UserPool == nil {
		return nil, fmt.Errorf("DescribeUserPool %s: empty answer", poolID)
	}
	s := &Snapshot{Pool: *p.UserPool}
	have := map[string]bool{}
	var next *string
	for {
		l, err := api.ListUserPoolClients(ctx, &cip.ListUserPoolClientsInput{UserPoolId: aws.String(poolID), MaxResults: aws.Int32(60), NextToken: next})
		if err != nil {
			return nil, fmt.Errorf("ListUserPoolClients %s: %w", poolID, err)
		}
		for _, d := range l.UserPoolClients {
			c, err := api.DescribeUserPoolClient(ctx, &cip.DescribeUserPoolClientInput{UserPoolId: aws.String(poolID), ClientId: d.ClientId})
			if err != nil {
				return nil, fmt.Errorf("DescribeUserPoolClient %s %s: %w", poolID, aws.ToString(d.ClientId), err)
			}
			if c.UserPoolClient != nil {
				s.Clients = append(s.Clients, *c.UserPoolClient)
				have[aws.ToString(d.ClientId)] = true
			}
		}
		if next = l.NextToken; aws.ToString(next) == "" {
			break
		}
	}
	for _, id := range served {
		if !have[id] {
			s.Missing = append(s.Missing, id)
		}
	}
	return s, nil
}
