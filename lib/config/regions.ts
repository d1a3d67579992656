/**
 * Regions where Amazon Data Firehose has no Apache Iceberg Tables destination, by region code (China and
 * AWS GovCloud (US) by partition prefix, so every region of those partitions is covered).
 * https://docs.aws.amazon.com/firehose/latest/dev/apache-iceberg-considerations.html
 * Region codes: https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-region-billing-codes.html
 */
const NO_ICEBERG_DESTINATION_REGIONS: Readonly<Record<string, string>> = {
  'ap-east-2': 'Asia Pacific (Taipei)',
  'ap-southeast-5': 'Asia Pacific (Malaysia)',
  'ap-southeast-6': 'Asia Pacific (New Zealand)',
  'mx-central-1': 'Mexico (Central)',
};
const NO_ICEBERG_DESTINATION_PARTITIONS: readonly (readonly [prefix: string, name: string])[] = [
  ['cn-', 'the China Regions'],
  ['us-gov-', 'AWS GovCloud (US)'],
];

/** The name of the region (or partition) when Firehose cannot deliver to Iceberg tables there. */
export function withoutIcebergDestination(region: string): string | undefined {
  const partition = NO_ICEBERG_DESTINATION_PARTITIONS.find(([prefix]) => region.startsWith(prefix));
  return partition ? partition[1] : NO_ICEBERG_DESTINATION_REGIONS[region];
}
