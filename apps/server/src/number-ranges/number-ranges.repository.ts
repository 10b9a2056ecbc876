import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import {
  formatNumberRange,
  numberRangeSize,
  numberRangeStem,
  type NumberRange,
  type NumberRangeKind,
  type SbcNumberRange,
} from '@trunkline/contracts';
import type { Executor } from '../platform/db/database.ts';
import { customers, serviceNumberRanges, services } from '../platform/db/schema.ts';

type Row = typeof serviceNumberRanges.$inferSelect;

/** The normalised range of a stored row. */
export const rangeOf = (row: Pick<Row, 'kind' | 'digits' | 'rangeFrom' | 'rangeTo'>): SbcNumberRange => {
  switch (row.kind as NumberRangeKind) {
    case 'number':
      return { kind: 'number', number: row.digits };
    case 'prefix':
      return { kind: 'prefix', prefix: row.digits };
    case 'range':
      return { kind: 'range', prefix: row.digits, from: row.rangeFrom!, to: row.rangeTo! };
  }
};

const toNumberRange = (row: Row): NumberRange => {
  const range = rangeOf(row);
  return {
    id: row.id,
    position: row.position,
    kind: range.kind,
    range: formatNumberRange(range),
    entered: row.entered,
    description: row.description,
    size: numberRangeSize(range),
    createdAt: row.createdAt.toISOString(),
  };
};

export type NewNumberRange = { range: SbcNumberRange; entered: string; description: string | null };

/** A stored range of another service that a new range may overlap, with whose it is. */
export type ForeignRange = {
  range: SbcNumberRange;
  serviceId: string;
  serviceName: string;
  shortName: string;
  customerName: string;
};

/** One transaction-wide lock for every writer of number ranges: overlap is checked across all services. */
const WRITE_LOCK = 'service_number_ranges';

/**
 * A service's number ranges, keyed by the service (whose scope the service layer checked). `rangesForService`
 * and `foreignCandidates` read across services for the system (the SBC step, the overlap check) and return no
 * more than the ranges and the names an overlap message needs.
 */
export function createNumberRangesRepository(db: Executor) {
  return {
    async list(serviceId: string): Promise<NumberRange[]> {
      const rows = await db
        .select()
        .from(serviceNumberRanges)
        .where(eq(serviceNumberRanges.serviceId, serviceId))
        .orderBy(asc(serviceNumberRanges.position));
      return rows.map(toNumberRange);
    },

    /** The service's ranges in order, as written back by `replace`. */
    async entries(serviceId: string): Promise<NewNumberRange[]> {
      const rows = await db
        .select()
        .from(serviceNumberRanges)
        .where(eq(serviceNumberRanges.serviceId, serviceId))
        .orderBy(asc(serviceNumberRanges.position));
      return rows.map((row) => ({ range: rangeOf(row), entered: row.entered, description: row.description }));
    },

    /** The service's ranges in order, normalised: what the SBC must route to its tenant. */
    async rangesForService(serviceId: string): Promise<SbcNumberRange[]> {
      const rows = await db
        .select({
          kind: serviceNumberRanges.kind,
          digits: serviceNumberRanges.digits,
          rangeFrom: serviceNumberRanges.rangeFrom,
          rangeTo: serviceNumberRanges.rangeTo,
        })
        .from(serviceNumberRanges)
        .where(eq(serviceNumberRanges.serviceId, serviceId))
        .orderBy(asc(serviceNumberRanges.position));
      return rows.map(rangeOf);
    },

    /**
     * Serialises the writers of number ranges until the transaction ends, so that two services cannot each
     * pass the overlap check with ranges that overlap each other.
     */
    async lockForWrite(): Promise<void> {
      await db.execute(sql`select pg_advisory_xact_lock(hashtext(${WRITE_LOCK}))`);
    },

    /**
     * The ranges of other services that may overlap any of `ranges`: those whose stem starts with a stem of
     * theirs or is one of its leading parts (two ranges overlap only then). The caller compares exactly.
     */
    async foreignCandidates(exceptServiceId: string, ranges: SbcNumberRange[]): Promise<ForeignRange[]> {
      const stems = [...new Set(ranges.map(numberRangeStem))];
      if (stems.length === 0) return [];
      const leading = [
        ...new Set(stems.flatMap((s) => Array.from({ length: s.length }, (_, i) => s.slice(0, i + 1)))),
      ];
      const columns = {
        id: serviceNumberRanges.id,
        kind: serviceNumberRanges.kind,
        digits: serviceNumberRanges.digits,
        rangeFrom: serviceNumberRanges.rangeFrom,
        rangeTo: serviceNumberRanges.rangeTo,
        serviceId: services.id,
        serviceName: services.fullName,
        shortName: services.shortName,
        customerName: customers.name,
      };
      const owned = () =>
        db
          .select(columns)
          .from(serviceNumberRanges)
          .innerJoin(services, eq(services.id, serviceNumberRanges.serviceId))
          .innerJoin(customers, eq(customers.id, services.customerId));
      // Digit strings compare byte-wise under the pattern operators; ':' follows '9', so
      // [stem, stem || ':') are the strings that start with the stem (both use the text_pattern_ops index).
      const longer = sql.join(
        stems.map(
          (s) => sql`(${serviceNumberRanges.stem} ~>=~ ${s} and ${serviceNumberRanges.stem} ~<~ ${`${s}:`})`,
        ),
        sql` or `,
      );
      const rows = [
        ...(await owned().where(and(ne(serviceNumberRanges.serviceId, exceptServiceId), sql`(${longer})`))),
        ...(await owned().where(
          and(ne(serviceNumberRanges.serviceId, exceptServiceId), inArray(serviceNumberRanges.stem, leading)),
        )),
      ];
      const seen = new Set<string>();
      return rows
        .filter((r) => !seen.has(r.id) && seen.add(r.id))
        .map(({ serviceId, serviceName, shortName, customerName, ...row }) => ({
          range: rangeOf(row),
          serviceId,
          serviceName,
          shortName,
          customerName,
        }));
    },

    /** Replaces the service's list with `ranges`, in this order. */
    async replace(serviceId: string, ranges: NewNumberRange[]): Promise<void> {
      await db.delete(serviceNumberRanges).where(eq(serviceNumberRanges.serviceId, serviceId));
      if (ranges.length === 0) return;
      await db.insert(serviceNumberRanges).values(
        ranges.map(({ range, entered, description }, position) => ({
          serviceId,
          position,
          kind: range.kind,
          digits: range.kind === 'number' ? range.number : range.prefix,
          rangeFrom: range.kind === 'range' ? range.from : null,
          rangeTo: range.kind === 'range' ? range.to : null,
          stem: numberRangeStem(range),
          entered,
          description,
        })),
      );
    },
  };
}
export type NumberRangesRepository = ReturnType<typeof createNumberRangesRepository>;
