// Secret: a value (a created user's `api_key`) that shows as `***` everywhere it could be
// printed or serialized, so that logging a result or a report does not leak it.

/** The values, kept outside the objects: no property, private field or debugger view shows them. */
const values = new WeakMap();
const MASK = "***";

/**
 * A secret string. `String(secret)`, template strings, `JSON.stringify` and `util.inspect`
 * (so `console.log`) give `***`; `expose()` gives the value. Pass it as a credential as it is
 * (`{userServiceKey: user.api_key}`); store it with `expose()`.
 */
export class Secret {
  constructor(value) {
    values.set(this, String(value));
    Object.freeze(this);
  }

  /** The value itself. Call it only where the value must leave the program (a secret store). */
  expose() {
    return values.get(this);
  }

  toString() {
    return MASK;
  }

  toJSON() {
    return MASK;
  }

  [Symbol.toPrimitive]() {
    return MASK;
  }

  [Symbol.for("nodejs.util.inspect.custom")]() {
    return `Secret(${MASK})`;
  }
}

/** `value` as a Secret when it is a string (a field the API left out or null stays as it is). */
export function secretOf(value) {
  return typeof value === "string" ? new Secret(value) : value;
}

/**
 * Replaces the named fields of `object` (when it is a plain object) by Secrets, in place. The
 * empty name stands for the result itself (a rolled token's value is a bare string).
 */
export function maskFields(object, fields) {
  if (typeof object === "string" && fields.includes("")) return new Secret(object);
  if (object === null || typeof object !== "object" || fields.length === 0) return object;
  if (Array.isArray(object)) {
    for (const item of object) maskFields(item, fields);
    return object;
  }
  for (const field of fields) {
    if (Object.prototype.hasOwnProperty.call(object, field)) object[field] = secretOf(object[field]);
  }
  return object;
}
