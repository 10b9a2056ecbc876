/**
 * The INI tables the emulator keeps: the ones of the Teams Direct Routing carrier model in
 * `/work/shared/reference/sbc.md` §3, with the columns in the order of the reference's `FORMAT` lines (Source A).
 * A column ending in `#` holds an integer. `IPGroup` keeps only the key columns the reference lists (a device has
 * ~55); the call admission tables (`SBCAdmissionProfile`, `SBCAdmissionRule`) are not in the reference: their
 * names and columns are our reading of the AudioCodes user manual ("Call Admission Control") and are marked as
 * such in the README.
 */

export type Reference = {
  column: string;
  table: string;
  /** 'name': the value is the referenced row's name column; 'index': the referenced row's index. */
  by: 'name' | 'index';
  /** Values that reference nothing (besides the empty value), e.g. `Any` for IP Groups in routing rules. */
  wildcards?: string[];
};

export type TableSchema = {
  name: string;
  /** Columns without `Index`, in FORMAT order; `#` marks integers. */
  columns: string[];
  /** The column other tables reference by name, unique in the table. */
  nameColumn?: string;
  /** Columns a FORMAT line must contain. */
  required: string[];
  references: Reference[];
  /** The CLI command whose `no <command> <index>` form deletes a row (the emulator's CLI subset). */
  cli: string;
  /** Highest row index + 1. */
  capacity: number;
};

const t = (
  s: Omit<TableSchema, 'references' | 'required'> & Partial<Pick<TableSchema, 'references' | 'required'>>,
) => ({ references: [], required: s.nameColumn ? [s.nameColumn] : [], ...s }) satisfies TableSchema;

const ipg = (column: string, wildcards: string[] = []): Reference => ({
  column,
  table: 'IPGroup',
  by: 'name',
  wildcards,
});
const srd: Reference = { column: 'SRDName', table: 'SRD', by: 'name' };

/** In dependency order: a table only references tables above it. */
export const TABLES: TableSchema[] = [
  t({ name: 'SRD', columns: ['Name'], nameColumn: 'Name', cli: 'srd', capacity: 500 }),
  t({
    name: 'TLSContexts',
    columns: [
      'Name',
      'TLSVersion#',
      'DTLSVersion#',
      'ServerCipherString',
      'ClientCipherString',
      'RequireStrictCert#',
      'TlsRenegotiation#',
      'OcspEnable#',
      'OcspServerPrimary',
      'OcspServerSecondary',
      'OcspServerPort#',
      'OcspDefaultResponse#',
      'DHKeySize#',
    ],
    nameColumn: 'Name',
    cli: 'tls',
    capacity: 100,
  }),
  t({
    name: 'SBCAdmissionProfile',
    columns: ['Name'],
    nameColumn: 'Name',
    cli: 'sbc cac-profile',
    capacity: 5000,
  }),
  t({
    name: 'SBCAdmissionRule',
    columns: [
      'AdmissionProfile',
      'RuleIndex#',
      'RequestType#',
      'RequestDirection#',
      'Limit#',
      'LimitPerUser#',
      'Rate#',
      'MaxBurst#',
      'Reservation#',
    ],
    required: ['AdmissionProfile', 'Limit'],
    references: [{ column: 'AdmissionProfile', table: 'SBCAdmissionProfile', by: 'name' }],
    cli: 'sbc cac-rule',
    capacity: 20000,
  }),
  t({
    name: 'SIPInterface',
    columns: [
      'InterfaceName',
      'NetworkInterface',
      'SCTPSecondaryNetworkInterface',
      'ApplicationType#',
      'UDPPort#',
      'TCPPort#',
      'TLSPort#',
      'SCTPPort#',
      'AdditionalUDPPorts',
      'AdditionalUDPPortsMode#',
      'SRDName',
      'MessagePolicyName',
      'TLSContext',
      'TLSMutualAuthentication#',
      'TCPKeepaliveEnable#',
      'ClassificationFailureResponseType#',
      'PreClassificationManSet#',
      'EncapsulatingProtocol#',
      'MediaRealm',
      'SBCDirectMedia#',
      'BlockUnRegUsers#',
      'MaxNumOfRegUsers#',
      'EnableUnAuthenticatedRegistrations#',
      'UsedByRoutingServer#',
      'TopologyLocation#',
      'PreParsingManSetName',
      'AdmissionProfile',
      'CallSetupRulesSetId#',
    ],
    nameColumn: 'InterfaceName',
    references: [
      srd,
      { column: 'TLSContext', table: 'TLSContexts', by: 'name' },
      { column: 'AdmissionProfile', table: 'SBCAdmissionProfile', by: 'name' },
    ],
    cli: 'sip-interface',
    capacity: 500,
  }),
  t({
    name: 'ProxySet',
    columns: [
      'ProxyName',
      'EnableProxyKeepAlive#',
      'ProxyKeepAliveTime#',
      'ProxyLoadBalancingMethod#',
      'IsProxyHotSwap#',
      'SRDName',
      'ClassificationInput#',
      'TLSContextName',
      'ProxyRedundancyMode#',
      'DNSResolveMethod#',
      'KeepAliveFailureResp',
      'GWIPv4SIPInterfaceName',
      'SBCIPv4SIPInterfaceName',
      'GWIPv6SIPInterfaceName',
      'SBCIPv6SIPInterfaceName',
      'MinActiveServersLB#',
      'SuccessDetectionRetries#',
      'SuccessDetectionInterval#',
      'FailureDetectionRetransmissions#',
    ],
    nameColumn: 'ProxyName',
    references: [
      srd,
      { column: 'TLSContextName', table: 'TLSContexts', by: 'name' },
      { column: 'SBCIPv4SIPInterfaceName', table: 'SIPInterface', by: 'name' },
    ],
    cli: 'proxy-set',
    capacity: 5000,
  }),
  t({
    name: 'ProxyIp',
    columns: ['ProxySetId#', 'ProxyIpIndex#', 'IpAddress', 'TransportType#', 'Priority#', 'Weight#'],
    required: ['ProxySetId', 'IpAddress'],
    references: [{ column: 'ProxySetId', table: 'ProxySet', by: 'index' }],
    cli: 'proxy-ip',
    capacity: 50000,
  }),
  t({ name: 'DialPlan', columns: ['Name'], nameColumn: 'Name', cli: 'sbc dial-plan', capacity: 50 }),
  t({
    name: 'DialPlanRule',
    columns: ['DialPlanName', 'RuleIndex#', 'Name', 'Prefix', 'Tag'],
    required: ['DialPlanName', 'Prefix'],
    references: [{ column: 'DialPlanName', table: 'DialPlan', by: 'name' }],
    cli: 'sbc dial-plan-rule',
    capacity: 100000,
  }),
  t({
    name: 'IPGroup',
    columns: [
      'Type#',
      'Name',
      'ProxySetName',
      'SIPGroupName',
      'ContactName',
      'SRDName',
      'MediaRealm',
      'ClassifyByProxySet#',
      'ProfileName',
      'InboundManSet#',
      'OutboundManSet#',
      'AlwaysUseSourceAddr#',
      'DTLSContext',
      'TopologyLocation#',
      'CallSetupRulesSetId#',
      'ProxyKeepAliveUsingIPG#',
      'TeamsMediaOptimization#',
      'Tags',
      'SBCDialPlanName',
      'AdmissionProfile',
    ],
    nameColumn: 'Name',
    references: [
      { column: 'ProxySetName', table: 'ProxySet', by: 'name' },
      srd,
      { column: 'SBCDialPlanName', table: 'DialPlan', by: 'name' },
      { column: 'AdmissionProfile', table: 'SBCAdmissionProfile', by: 'name' },
    ],
    cli: 'ip-group',
    capacity: 5000,
  }),
  t({
    name: 'ConditionTable',
    columns: ['Name', 'Condition'],
    nameColumn: 'Name',
    cli: 'message condition',
    capacity: 500,
  }),
  t({
    name: 'Classification',
    columns: [
      'ClassificationName',
      'MessageConditionName',
      'SRDName',
      'SrcSIPInterfaceName',
      'SrcAddress',
      'SrcPort#',
      'SrcTransportType#',
      'SrcUsernamePrefix',
      'SrcHost',
      'DestUsernamePrefix',
      'DestHost',
      'ActionType#',
      'SrcIPGroupName',
      'DestRoutingPolicy',
      'IpProfileName',
      'IPGroupSelection#',
      'IpGroupTagName',
    ],
    nameColumn: 'ClassificationName',
    references: [
      { column: 'MessageConditionName', table: 'ConditionTable', by: 'name' },
      srd,
      { column: 'SrcSIPInterfaceName', table: 'SIPInterface', by: 'name' },
      ipg('SrcIPGroupName'),
    ],
    cli: 'sbc classification',
    capacity: 5000,
  }),
  t({
    name: 'MessageManipulations',
    columns: [
      'ManipulationName',
      'ManSetID#',
      'MessageType',
      'Condition',
      'ActionSubject',
      'ActionType#',
      'ActionValue',
      'RowRole#',
    ],
    nameColumn: 'ManipulationName',
    cli: 'message manipulation',
    capacity: 5000,
  }),
  t({
    name: 'CallSetupRules',
    columns: [
      'RulesSetID#',
      'RulesSetName',
      'QueryType#',
      'QueryTarget',
      'AttributesToQuery',
      'AttributesToGet',
      'RowRole#',
      'Condition',
      'ActionSubject',
      'ActionType#',
      'ActionValue',
    ],
    required: ['RulesSetID'],
    references: [{ column: 'QueryTarget', table: 'DialPlan', by: 'name' }],
    cli: 'sbc call-setup-rules',
    capacity: 5000,
  }),
  t({
    name: 'SBCRoutingPolicy',
    columns: ['Name'],
    nameColumn: 'Name',
    cli: 'sbc routing-policy',
    capacity: 500,
  }),
  t({
    name: 'IP2IPRouting',
    columns: [
      'RouteName',
      'RoutingPolicyName',
      'SrcIPGroupName',
      'SrcUsernamePrefix',
      'SrcHost',
      'DestUsernamePrefix',
      'DestHost',
      'RequestType#',
      'MessageConditionName',
      'ReRouteIPGroupName',
      'Trigger#',
      'CallSetupRulesSetId#',
      'DestType#',
      'DestIPGroupName',
      'DestSIPInterfaceName',
      'DestAddress',
      'DestPort#',
      'DestTransportType#',
      'AltRouteOptions#',
      'GroupPolicy#',
      'CostGroup',
      'DestTags',
      'ModifiedDestUserName',
      'SrcTags',
      'IPGroupSetName',
      'RoutingTagName',
      'InternalAction',
    ],
    required: ['RouteName'],
    references: [
      { column: 'RoutingPolicyName', table: 'SBCRoutingPolicy', by: 'name' },
      ipg('SrcIPGroupName', ['Any']),
      { column: 'MessageConditionName', table: 'ConditionTable', by: 'name' },
      ipg('ReRouteIPGroupName', ['Any']),
      ipg('DestIPGroupName'),
      { column: 'DestSIPInterfaceName', table: 'SIPInterface', by: 'name' },
    ],
    cli: 'sbc routing ip2ip-routing',
    capacity: 20000,
  }),
];

export type Column = { name: string; integer: boolean };

export const columnsOf = (s: TableSchema): Column[] =>
  s.columns.map((c) =>
    c.endsWith('#') ? { name: c.slice(0, -1), integer: true } : { name: c, integer: false },
  );

const byLower = new Map(TABLES.map((s) => [s.name.toLowerCase(), s]));
/** Table names are case-insensitive in INI files. */
export const tableSchema = (name: string) => byLower.get(name.toLowerCase());
export const tableByCli = (command: string) => TABLES.find((s) => s.cli === command);
