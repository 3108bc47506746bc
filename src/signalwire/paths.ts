// SignalWire's routes on this server: what the number's webhook, the cXML and the REST requests point at.
export const INCOMING_CALL_PATH = '/signalwire/incoming-call';
export const MEDIA_STREAM_PATH = '/signalwire/media-stream';
export const STREAM_STATUS_PATH = '/signalwire/stream-status';
export const CALL_STATUS_PATH = '/signalwire/status';
export const TRANSFER_PATH = '/signalwire/transfer';
export const AMD_CALLBACK_PATH = '/signalwire/amd';
