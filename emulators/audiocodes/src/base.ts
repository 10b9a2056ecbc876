/**
 * The configuration the emulated device starts with: the shared "super trunk" of the carrier model as
 * `sbc.md` §3 describes it (Source A's values, with `teams.provider.test` as the carrier FQDN). Customers add
 * `DialPlanRule` rows to `DP_Teams_Tenant` (shared trunk) or their own IP Group (IP Group per customer).
 */
export const BASE_INI = `; Trunkline AudioCodes emulator: carrier model base configuration
[ SRD ]
FORMAT Index = Name;
SRD 0 = "SRD_CUSTOMER";
[ \\SRD ]

[ TLSContexts ]
FORMAT Index = Name, TLSVersion, DTLSVersion, ServerCipherString, ClientCipherString, RequireStrictCert, TlsRenegotiation, OcspEnable, OcspServerPrimary, OcspServerSecondary, OcspServerPort, OcspDefaultResponse, DHKeySize;
TLSContexts 0 = "default", 4, 0, "RC4:AES128", "DEFAULT", 0, 1, 0, "", "", 2560, 0, 2048;
[ \\TLSContexts ]

[ SIPInterface ]
FORMAT Index = InterfaceName, NetworkInterface, ApplicationType, UDPPort, TCPPort, TLSPort, SRDName, TLSContext, TLSMutualAuthentication, TCPKeepaliveEnable, ClassificationFailureResponseType, PreClassificationManSet, MediaRealm, SBCDirectMedia, TopologyLocation, CallSetupRulesSetId;
SIPInterface 0 = "SI_SIP_Trunk", "eth0", 2, 5061, 5061, 0, "SRD_CUSTOMER", "", 0, 0, 500, -1, "MR_SIP_Trunk", 0, 0, -1;
SIPInterface 1 = "SI_Teams", "eth1", 2, 0, 0, 5061, "SRD_CUSTOMER", "default", 1, 1, 0, -1, "MR_Teams", 1, 1, -1;
[ \\SIPInterface ]

[ ProxySet ]
FORMAT Index = ProxyName, EnableProxyKeepAlive, ProxyKeepAliveTime, ProxyLoadBalancingMethod, IsProxyHotSwap, SRDName, ClassificationInput, TLSContextName, ProxyRedundancyMode, DNSResolveMethod, SBCIPv4SIPInterfaceName, MinActiveServersLB, SuccessDetectionRetries, SuccessDetectionInterval, FailureDetectionRetransmissions;
ProxySet 0 = "PS_SIP_Trunk", 1, 60, 0, 0, "SRD_CUSTOMER", 0, "", -1, -1, "SI_SIP_Trunk", 1, 1, 10, -1;
ProxySet 1 = "PS_Teams", 1, 60, 2, 1, "SRD_CUSTOMER", 0, "default", -1, -1, "SI_Teams", 1, 1, 10, -1;
[ \\ProxySet ]

[ ProxyIp ]
FORMAT Index = ProxySetId, ProxyIpIndex, IpAddress, TransportType, Priority, Weight;
ProxyIp 0 = "1", 1, "sip.pstnhub.microsoft.com:5061", 2, 1, 1;
ProxyIp 1 = "1", 2, "sip2.pstnhub.microsoft.com:5061", 2, 2, 1;
ProxyIp 2 = "1", 3, "sip3.pstnhub.microsoft.com:5061", 2, 3, 1;
ProxyIp 3 = "0", 1, "pstn.carrier.test:5061", 1, 1, 1;
[ \\ProxyIp ]

[ DialPlan ]
FORMAT Index = Name;
DialPlan 0 = "DP_Teams_Tenant";
[ \\DialPlan ]

[ IPGroup ]
FORMAT Index = Type, Name, ProxySetName, ContactName, SRDName, MediaRealm, ClassifyByProxySet, ProfileName, InboundManSet, OutboundManSet, AlwaysUseSourceAddr, DTLSContext, TopologyLocation, CallSetupRulesSetId, ProxyKeepAliveUsingIPG, TeamsMediaOptimization, Tags;
IPGroup 0 = 0, "IPG_SIP_Trunk", "PS_SIP_Trunk", "", "SRD_CUSTOMER", "MR_SIP_Trunk", 1, "IPP_SIP_Trunk", -1, -1, 0, "default", 0, 1, 0, 0, "pstn";
IPGroup 1 = 0, "IPG_Teams", "PS_Teams", "teams.provider.test", "SRD_CUSTOMER", "MR_Teams", 0, "IPP_Teams_MB_Enabled", -1, 1, 1, "default", 1, 0, 1, 0, "";
[ \\IPGroup ]

[ ConditionTable ]
FORMAT Index = Name, Condition;
ConditionTable 0 = "MC_MSFT_Teams_Contact", "header.contact.url.host contains 'pstnhub.microsoft.com'";
[ \\ConditionTable ]

[ Classification ]
FORMAT Index = ClassificationName, MessageConditionName, SRDName, SrcSIPInterfaceName, SrcAddress, SrcPort, SrcTransportType, SrcUsernamePrefix, SrcHost, DestUsernamePrefix, DestHost, ActionType, SrcIPGroupName, DestRoutingPolicy, IpProfileName, IPGroupSelection, IpGroupTagName;
Classification 0 = "CLASS_Teams", "MC_MSFT_Teams_Contact", "SRD_CUSTOMER", "SI_Teams", "52.*.*.*", 0, -1, "*", "*", "*", "*", 1, "IPG_Teams", "", "", 0, "default";
[ \\Classification ]

[ MessageManipulations ]
FORMAT Index = ManipulationName, ManSetID, MessageType, Condition, ActionSubject, ActionType, ActionValue, RowRole;
MessageManipulations 0 = "MM_Teams_Tenants", 1, "Any", "Var.Session.TenantFQDN != ''", "Header.Contact.URL.Host", 2, "Var.Session.TenantFQDN", 0;
[ \\MessageManipulations ]

[ CallSetupRules ]
FORMAT Index = RulesSetID, RulesSetName, QueryType, QueryTarget, AttributesToQuery, AttributesToGet, RowRole, Condition, ActionSubject, ActionType, ActionValue;
CallSetupRules 0 = 0, "CSR_Teams_01", 2, "DP_Teams_Tenant", "Header.P-Asserted-Identity.URL.User", "", 0, "DialPlan.Found exists", "Var.Session.TenantFQDN", 2, "DialPlan.Result";
CallSetupRules 1 = 0, "CSR_Teams_02", 0, "", "", "", 1, "", "", 21, "True";
CallSetupRules 2 = 0, "CSR_Teams_03", 2, "DP_Teams_Tenant", "Param.Call.Src.User", "", 0, "DialPlan.Found exists", "Var.Session.TenantFQDN", 2, "DialPlan.Result";
CallSetupRules 3 = 1, "CSR_Teams_04", 2, "DP_Teams_Tenant", "Param.Call.Dst.User", "", 0, "DialPlan.Found exists", "Var.Session.TenantFQDN", 2, "DialPlan.Result";
[ \\CallSetupRules ]

[ SBCRoutingPolicy ]
FORMAT Index = Name;
SBCRoutingPolicy 0 = "RP_SIP_Trunk";
[ \\SBCRoutingPolicy ]

[ IP2IPRouting ]
FORMAT Index = RouteName, RoutingPolicyName, SrcIPGroupName, SrcUsernamePrefix, SrcHost, DestUsernamePrefix, DestHost, RequestType, ReRouteIPGroupName, Trigger, CallSetupRulesSetId, DestType, DestIPGroupName, DestAddress, RoutingTagName;
IP2IPRouting 0 = "Options Terminate", "RP_SIP_Trunk", "Any", "*", "*", "*", "*", 6, "Any", 0, -1, 1, "", "internal", "default";
IP2IPRouting 1 = "Refer Terminate", "RP_SIP_Trunk", "Any", "*", "*", "*", "*", 0, "IPG_Teams", 2, -1, 2, "IPG_Teams", "", "default";
IP2IPRouting 2 = "Teams to SIP Trunk", "RP_SIP_Trunk", "IPG_Teams", "*", "*", "*", "*", 0, "Any", 0, -1, 0, "IPG_SIP_Trunk", "", "default";
IP2IPRouting 3 = "SIP Trunk to Teams", "RP_SIP_Trunk", "IPG_SIP_Trunk", "*", "*", "*", "*", 0, "Any", 0, -1, 0, "IPG_Teams", "", "default";
[ \\IP2IPRouting ]
`;
