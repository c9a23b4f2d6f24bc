// The public API, shared by every entry point (workerd.js, node.js, browser.js, default.js);
// each entry instantiates the WebAssembly core its own way, then re-exports this module.
export {
  buildRequest,
  parseResponse,
  parseFetchResponse,
  operations,
  defaultUserAgent,
  Paginator,
  Pacer,
} from "./api.js";
export {
  CloudflareError,
  ValidationError,
  UnknownOperationError,
  CloudflareApiError,
  ResponseDecodeError,
  TransportError,
  OutcomeUnknownError,
  RedirectError,
} from "./errors.js";
export { Secret } from "./secret.js";
export { TenantClient, PageIterator } from "./client.js";
