/** The geo and network columns of a row (enrichments.geo, enrichments.asn). */
export interface GeoColumns {
  geo_country?: string;
  geo_region?: string;
  geo_city?: string;
  geo_zipcode?: string;
  geo_latitude?: number;
  geo_longitude?: number;
  geo_timezone?: string;
  ip_asn?: number;
  ip_organization?: string;
}

/**
 * One MaxMind database, looked up by address. Core defines it; an adapter reads the `.mmdb` file
 * (adapters/enrichment), so core needs neither the file system nor the network.
 */
export interface IpDatabase {
  /** The record of the network holding `address`, or null when the database has none. */
  get(address: string): unknown;
}

/** The parts of a GeoIP2/GeoLite2 City or Country record that the columns keep. */
interface CityRecord {
  readonly country?: { readonly iso_code?: string };
  readonly registered_country?: { readonly iso_code?: string };
  readonly subdivisions?: readonly { readonly iso_code?: string }[];
  readonly city?: { readonly names?: Readonly<Record<string, string>> };
  readonly postal?: { readonly code?: string };
  readonly location?: { readonly latitude?: number; readonly longitude?: number; readonly time_zone?: string };
}

interface AsnRecord {
  readonly autonomous_system_number?: number;
  readonly autonomous_system_organization?: string;
}

/**
 * The geo columns of a City or Country record, as MaxMind documents the GeoIP2 record layout
 * (https://dev.maxmind.com/geoip/docs/databases/city-and-country): the country where the address
 * is used (`country`, else the country it is registered in), the first subdivision (the largest,
 * e.g. ENG for England in GB), the city's English name. A Country database has only the country,
 * so the other columns stay empty.
 */
export function cityColumns(record: unknown): GeoColumns {
  if (typeof record !== 'object' || record === null) return {};
  const { country, registered_country, subdivisions, city, postal, location } = record as CityRecord;
  const columns: GeoColumns = {};
  const iso = country?.iso_code ?? registered_country?.iso_code;
  if (typeof iso === 'string') columns.geo_country = iso;
  const region = subdivisions?.[0]?.iso_code;
  if (typeof region === 'string') columns.geo_region = region;
  const name = city?.names?.en;
  if (typeof name === 'string') columns.geo_city = name;
  if (typeof postal?.code === 'string') columns.geo_zipcode = postal.code;
  if (typeof location?.latitude === 'number' && Number.isFinite(location.latitude))
    columns.geo_latitude = location.latitude;
  if (typeof location?.longitude === 'number' && Number.isFinite(location.longitude))
    columns.geo_longitude = location.longitude;
  if (typeof location?.time_zone === 'string') columns.geo_timezone = location.time_zone;
  return columns;
}

/** The network columns of a GeoLite2/GeoIP2 ASN record. */
export function asnColumns(record: unknown): GeoColumns {
  if (typeof record !== 'object' || record === null) return {};
  const { autonomous_system_number: asn, autonomous_system_organization: organization } = record as AsnRecord;
  const columns: GeoColumns = {};
  if (Number.isSafeInteger(asn)) columns.ip_asn = asn as number;
  if (typeof organization === 'string') columns.ip_organization = organization;
  return columns;
}
