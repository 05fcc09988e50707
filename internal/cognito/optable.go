package cognito

// operations is the whole user pools operation table, transcribed from the
// cognito-idp service model (the operations marked smithy.api#noAuth are the
// public and token-authorised ones; every other operation is SigV4-signed),
// Cognito's "API operation categories and request rate quotas" and the
// action-category tables of the AWS Security Blog article "Protect your
// Amazon Cognito user pool with AWS WAF". TestOperationTableMatchesServiceModel
// checks it against botocore's model when Python is available.
var operations = table(
	// Public, secret-taking operations.
	op("SignUp", Public, "UserCreation", UserCreation, TopLevelHash),
	op("ConfirmSignUp", Public, "UserCreation", UserCreation, TopLevelHash),
	op("ResendConfirmationCode", Public, "UserUpdate", UserCreation, TopLevelHash),
	op("ForgotPassword", Public, "UserAccountRecovery", AccountRecovery, TopLevelHash),
	op("ConfirmForgotPassword", Public, "UserAccountRecovery", AccountRecovery, TopLevelHash),
	op("InitiateAuth", Public, "UserAuthentication", SignIn, AuthParamsHash),
	op("RespondToAuthChallenge", Public, "UserAuthentication", SignIn, ChallengeHash),
	op("GetTokensFromRefreshToken", Public, "UserToken", DefaultCategory, RawSecret),
	op("RevokeToken", Public, "UserToken", DefaultCategory, RawSecret),

	// Token- or session-authorised operations.
	op("AssociateSoftwareToken", TokenAuth, "UserResourceUpdate", DefaultCategory, NoSecret),
	op("VerifySoftwareToken", TokenAuth, "UserResourceUpdate", DefaultCategory, NoSecret),
	op("ChangePassword", TokenAuth, "UserAccountRecovery", DefaultCategory, NoSecret),
	op("CompleteWebAuthnRegistration", TokenAuth, "UserResourceUpdate", DefaultCategory, NoSecret),
	op("StartWebAuthnRegistration", TokenAuth, "UserResourceUpdate", DefaultCategory, NoSecret),
	op("DeleteWebAuthnCredential", TokenAuth, "UserResourceUpdate", DefaultCategory, NoSecret),
	op("ListWebAuthnCredentials", TokenAuth, "UserResourceRead", DefaultCategory, NoSecret),
	op("ConfirmDevice", TokenAuth, "UserResourceUpdate", DefaultCategory, NoSecret),
	op("ForgetDevice", TokenAuth, "UserResourceUpdate", DefaultCategory, NoSecret),
	op("GetDevice", TokenAuth, "UserResourceRead", DefaultCategory, NoSecret),
	op("ListDevices", TokenAuth, "UserResourceRead", DefaultCategory, NoSecret),
	op("UpdateDeviceStatus", TokenAuth, "UserResourceUpdate", DefaultCategory, NoSecret),
	op("DeleteUser", TokenAuth, "UserUpdate", DefaultCategory, NoSecret),
	op("DeleteUserAttributes", TokenAuth, "UserUpdate", DefaultCategory, NoSecret),
	op("GetUser", TokenAuth, "UserRead", DefaultCategory, NoSecret),
	op("GetUserAttributeVerificationCode", TokenAuth, "UserUpdate", DefaultCategory, NoSecret),
	op("GetUserAuthFactors", TokenAuth, "UserRead", DefaultCategory, NoSecret),
	op("GlobalSignOut", TokenAuth, "UserUpdate", DefaultCategory, NoSecret),
	op("SetUserMFAPreference", TokenAuth, "UserUpdate", DefaultCategory, NoSecret),
	op("SetUserSettings", TokenAuth, "UserUpdate", DefaultCategory, NoSecret),
	op("UpdateAuthEventFeedback", TokenAuth, "UserUpdate", DefaultCategory, NoSecret),
	op("UpdateUserAttributes", TokenAuth, "UserUpdate", DefaultCategory, NoSecret),
	op("VerifyUserAttribute", TokenAuth, "UserUpdate", DefaultCategory, NoSecret),

	// IAM-signed (developer) operations.
	iam("AdminInitiateAuth", "UserAuthentication", SignIn),
	iam("AdminRespondToAuthChallenge", "UserAuthentication", SignIn),
	iam("AdminCreateUser", "UserCreation", UserCreation),
	iam("AdminConfirmSignUp", "UserCreation", UserCreation),
	iam("AdminResetUserPassword", "UserAccountRecovery", AccountRecovery),
	iam("AdminSetUserPassword", "UserAccountRecovery", AccountRecovery),
	iam("AdminGetUser", "UserRead", DefaultCategory),
	iam("AdminListGroupsForUser", "UserRead", DefaultCategory),
	iam("AdminListUserAuthEvents", "UserRead", DefaultCategory),
	iam("AdminAddUserToGroup", "UserUpdate", DefaultCategory),
	iam("AdminRemoveUserFromGroup", "UserUpdate", DefaultCategory),
	iam("AdminDeleteUser", "UserUpdate", DefaultCategory),
	iam("AdminDeleteUserAttributes", "UserUpdate", DefaultCategory),
	iam("AdminUpdateUserAttributes", "UserUpdate", DefaultCategory),
	iam("AdminDisableUser", "UserUpdate", DefaultCategory),
	iam("AdminEnableUser", "UserUpdate", DefaultCategory),
	iam("AdminDisableProviderForUser", "UserUpdate", DefaultCategory),
	iam("AdminLinkProviderForUser", "UserUpdate", DefaultCategory),
	iam("AdminUserGlobalSignOut", "UserUpdate", DefaultCategory),
	iam("AdminSetUserMFAPreference", "UserUpdate", DefaultCategory),
	iam("AdminSetUserSettings", "UserUpdate", DefaultCategory),
	iam("AdminUpdateAuthEventFeedback", "UserUpdate", DefaultCategory),
	iam("AdminForgetDevice", "UserResourceUpdate", DefaultCategory),
	iam("AdminUpdateDeviceStatus", "UserResourceUpdate", DefaultCategory),
	iam("AdminGetDevice", "UserResourceRead", DefaultCategory),
	iam("AdminListDevices", "UserResourceRead", DefaultCategory),
	iam("ListUsers", "UserList", DefaultCategory),
	iam("ListUsersInGroup", "UserList", DefaultCategory),
	iam("CreateUserPool", "UserPoolUpdate", DefaultCategory),
	iam("UpdateUserPool", "UserPoolUpdate", DefaultCategory),
	iam("DeleteUserPool", "UserPoolUpdate", DefaultCategory),
	iam("AddCustomAttributes", "UserPoolUpdate", DefaultCategory),
	iam("SetUserPoolMfaConfig", "UserPoolUpdate", DefaultCategory),
	iam("SetRiskConfiguration", "UserPoolUpdate", DefaultCategory),
	iam("SetLogDeliveryConfiguration", "UserPoolUpdate", DefaultCategory),
	iam("DescribeUserPool", "UserPoolRead", DefaultCategory),
	iam("ListUserPools", "UserPoolRead", DefaultCategory),
	iam("GetUserPoolMfaConfig", "UserPoolRead", DefaultCategory),
	iam("DescribeRiskConfiguration", "UserPoolRead", DefaultCategory),
	iam("GetLogDeliveryConfiguration", "UserPoolRead", DefaultCategory),
	iam("CreateUserPoolClient", "UserPoolClientUpdate", DefaultCategory),
	iam("UpdateUserPoolClient", "UserPoolClientUpdate", DefaultCategory),
	iam("DeleteUserPoolClient", "UserPoolClientUpdate", DefaultCategory),
	iam("AddUserPoolClientSecret", "UserPoolClientUpdate", DefaultCategory),
	iam("DeleteUserPoolClientSecret", "UserPoolClientUpdate", DefaultCategory),
	iam("DescribeUserPoolClient", "UserPoolClientRead", DefaultCategory),
	iam("ListUserPoolClients", "UserPoolClientRead", DefaultCategory),
	iam("ListUserPoolClientSecrets", "UserPoolClientRead", DefaultCategory),
	iam("CreateGroup", "UserPoolResourceUpdate", DefaultCategory),
	iam("UpdateGroup", "UserPoolResourceUpdate", DefaultCategory),
	iam("DeleteGroup", "UserPoolResourceUpdate", DefaultCategory),
	iam("CreateIdentityProvider", "UserPoolResourceUpdate", DefaultCategory),
	iam("UpdateIdentityProvider", "UserPoolResourceUpdate", DefaultCategory),
	iam("DeleteIdentityProvider", "UserPoolResourceUpdate", DefaultCategory),
	iam("CreateResourceServer", "UserPoolResourceUpdate", DefaultCategory),
	iam("UpdateResourceServer", "UserPoolResourceUpdate", DefaultCategory),
	iam("DeleteResourceServer", "UserPoolResourceUpdate", DefaultCategory),
	iam("CreateUserImportJob", "UserPoolResourceUpdate", DefaultCategory),
	iam("StartUserImportJob", "UserPoolResourceUpdate", DefaultCategory),
	iam("StopUserImportJob", "UserPoolResourceUpdate", DefaultCategory),
	iam("CreateUserPoolDomain", "UserPoolResourceUpdate", DefaultCategory),
	iam("UpdateUserPoolDomain", "UserPoolResourceUpdate", DefaultCategory),
	iam("DeleteUserPoolDomain", "UserPoolResourceUpdate", DefaultCategory),
	iam("CreateManagedLoginBranding", "UserPoolResourceUpdate", DefaultCategory),
	iam("UpdateManagedLoginBranding", "UserPoolResourceUpdate", DefaultCategory),
	iam("DeleteManagedLoginBranding", "UserPoolResourceUpdate", DefaultCategory),
	iam("CreateTerms", "UserPoolResourceUpdate", DefaultCategory),
	iam("UpdateTerms", "UserPoolResourceUpdate", DefaultCategory),
	iam("DeleteTerms", "UserPoolResourceUpdate", DefaultCategory),
	iam("SetUICustomization", "UserPoolResourceUpdate", DefaultCategory),
	iam("TagResource", "UserPoolResourceUpdate", DefaultCategory),
	iam("UntagResource", "UserPoolResourceUpdate", DefaultCategory),
	iam("DescribeIdentityProvider", "UserPoolResourceRead", DefaultCategory),
	iam("DescribeResourceServer", "UserPoolResourceRead", DefaultCategory),
	iam("DescribeUserImportJob", "UserPoolResourceRead", DefaultCategory),
	iam("DescribeUserPoolDomain", "UserPoolResourceRead", DefaultCategory),
	iam("DescribeManagedLoginBranding", "UserPoolResourceRead", DefaultCategory),
	iam("DescribeManagedLoginBrandingByClient", "UserPoolResourceRead", DefaultCategory),
	iam("DescribeTerms", "UserPoolResourceRead", DefaultCategory),
	iam("ListTerms", "UserPoolResourceRead", DefaultCategory),
	iam("GetCSVHeader", "UserPoolResourceRead", DefaultCategory),
	iam("GetGroup", "UserPoolResourceRead", DefaultCategory),
	iam("GetIdentityProviderByIdentifier", "UserPoolResourceRead", DefaultCategory),
	iam("GetSigningCertificate", "UserPoolResourceRead", DefaultCategory),
	iam("GetUICustomization", "UserPoolResourceRead", DefaultCategory),
	iam("ListGroups", "UserPoolResourceRead", DefaultCategory),
	iam("ListIdentityProviders", "UserPoolResourceRead", DefaultCategory),
	iam("ListResourceServers", "UserPoolResourceRead", DefaultCategory),
	iam("ListTagsForResource", "UserPoolResourceRead", DefaultCategory),
	iam("ListUserImportJobs", "UserPoolResourceRead", DefaultCategory),
)

func op(name string, c Class, quota string, cat ActionCategory, s Secret) *Operation {
	return &Operation{Name: name, Class: c, Quota: quota, Category: cat, Secret: s}
}

func iam(name, quota string, cat ActionCategory) *Operation {
	return op(name, IAM, quota, cat, NoSecret)
}

func table(ops ...*Operation) map[string]*Operation {
	m := make(map[string]*Operation, len(ops))
	for _, o := range ops {
		if _, dup := m[o.Name]; dup {
			panic("cognito: duplicate operation " + o.Name) // a programming error in this file
		}
		m[o.Name] = o
	}
	return m
}
