// Original file: proto/metrox/operations/v1/operations.proto


export interface WatchEventsRequest {
  'types'?: (string)[];
}

export interface WatchEventsRequest__Output {
  'types': (string)[];
}
