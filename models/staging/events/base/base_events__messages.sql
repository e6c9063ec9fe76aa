{%- set table_name = 'raw_message' -%}
{%- set key_columns = ['message_id'] -%}
{%- set native_types = lake_native_types('events', table_name) -%}

{{ assert_source_columns('events', 'raw_message') }}

with

source as (

    select * from {{ source('events', 'raw_message') }}

),

landed as (

    select
        source.*,
        {{ same_load_copies(table_name, native_types) }}
            as same_load_copies
    from source

),

renamed as (

    select
        cast(message_id as {{ dbt.type_string() }}) as message_id,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(conversation_id as {{ dbt.type_string() }}) as conversation_id,
        cast(contact_id as {{ dbt.type_string() }}) as contact_id,
        cast(user_id as {{ dbt.type_string() }}) as user_id,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(direction as {{ dbt.type_string() }}) as direction,
        cast(in_reply_to as {{ dbt.type_string() }}) as in_reply_to_message_id,
        {{ lake_value('is_automated', 'boolean', native_types) }}
            as is_automated,
        cast(template_id as {{ dbt.type_string() }}) as template_id,
        cast(ai_generation_id as {{ dbt.type_string() }}) as ai_generation_id,
        {{ lake_value('catalog_product_count', 'bigint', native_types) }}
            as catalog_product_count,
        {{ lake_value('event_time', 'timestamp', native_types) }}
            as occurred_at,
        {{ lake_value('_loaded_at', 'timestamp', native_types) }} as loaded_at,
        {{ copy_invalid_reason(table_name, native_types) }}
            as copy_invalid_reason,
        {{ copy_fingerprint(table_name, native_types) }} as copy_fingerprint
    from landed

),

checked as (

    select
        renamed.*,
        {{ copy_reason(key_columns) }} as copy_reason
    from renamed

),

ranked as (

    select
        checked.*,
        {{ redelivery_rank(key_columns) }} as redelivery_rank,
        {{ copies_received(key_columns) }} as copies_received
    from checked

)

select * from ranked
