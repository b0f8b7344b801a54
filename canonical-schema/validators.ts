import { z } from 'zod';
import { memoByKey } from '../lib';
import { currencyCode, decimalString } from './money';
import { addressSchema, isoDate } from './entities';

/** Thrown when input fails a canonical validator; `field` names the offending argument path. */
export class CanonicalValidationError extends Error {
  constructor(
    message: string,
    readonly field: string,
    readonly issues: readonly { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'CanonicalValidationError';
  }
}

/**
 * Parses `value` with `schema`, or throws a CanonicalValidationError whose message
 * names the argument (`argName`) and the path inside it.
 */
export function validate<T extends z.ZodType>(schema: T, value: unknown, argName: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    path: [argName, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  const first = issues[0];
  throw new CanonicalValidationError(`Invalid argument "${first.path}": ${first.message}`, first.path, issues);
}

export const moneyInputSchema = z.object({ amount: decimalString, currency: currencyCode });

export const customerInputSchema = z.object({
  id: z.string().optional().nullable(),
  name: z.string().trim().min(1, 'must not be empty').max(255),
  legalName: z.string().max(255).optional().nullable(),
  legalEntity: z.string().max(100).optional().nullable(),
  taxId: z.string().max(50).optional().nullable(),
  currency: currencyCode,
  billingAddress: addressSchema.optional().nullable(),
  parentId: z.string().optional().nullable(),
});
export type CustomerInput = z.infer<typeof customerInputSchema>;

export const changeOrderInputSchema = z.object({
  projectId: z.string().min(1),
  budgetDelta: moneyInputSchema,
  description: z.string().trim().min(1, 'must not be empty').max(1000),
});
export type ChangeOrderInput = z.infer<typeof changeOrderInputSchema>;

export const assignmentInputSchema = z.object({
  projectId: z.string().min(1),
  resourceId: z.string().min(1),
  role: z.string().trim().min(1, 'must not be empty'),
  plannedHours: z.number().positive('must be greater than 0').max(10000),
  billRate: moneyInputSchema.optional().nullable(),
});
export type AssignmentInput = z.infer<typeof assignmentInputSchema>;

export const timeEntryInputSchema = z.object({
  resourceId: z.string().min(1),
  projectId: z.string().min(1),
  date: isoDate,
  hours: z.number().positive('must be greater than 0').max(24, 'must be at most 24'),
  billable: z.boolean(),
  notes: z.string().max(2000).optional().nullable(),
});
export type TimeEntryInput = z.infer<typeof timeEntryInputSchema>;

export const idempotencyKeySchema = z.string().trim().min(1, 'must not be empty').max(200);

/** Connection arguments: `first` between 1 and `max`, `after` an opaque cursor. */
// one schema per bound (zod compiles a schema on its first parse; every connection field asks for one)
export const pageArgsSchema = memoByKey((max: number) =>
  z.object({
    first: z.number().int().min(1, `must be between 1 and ${max}`).max(max, `must be between 1 and ${max}`).optional().nullable(),
    after: z.string().optional().nullable(),
  }),
);
