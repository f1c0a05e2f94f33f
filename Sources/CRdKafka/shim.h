#ifndef CRDKAFKA_SHIM_H
#define CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/* The mock cluster's per-broker error stack takes C variadic arguments, which Swift cannot
   pass: this pushes one error (answered without delay) at a time. */
static inline rd_kafka_resp_err_t
revisit_mock_broker_push_request_error(rd_kafka_mock_cluster_t *mcluster, int32_t broker_id,
                                       int16_t api_key, rd_kafka_resp_err_t error) {
    return rd_kafka_mock_broker_push_request_error_rtts(mcluster, broker_id, api_key, 1, error, 0);
}

#endif
