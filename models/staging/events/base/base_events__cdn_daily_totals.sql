{%- set key_columns = ['log_date', 'tenant_id', 'distribution'] -%}

{{ assert_source_columns('events', 'cdn_log') }}

with

source as (

    select * from {{ source('events', 'cdn_log') }}

),

renamed as (

    select
        cast(log_date as date) as log_date,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(distribution as {{ dbt.type_string() }}) as distribution,
        cast(requests as bigint) as requests,
        cast(bytes_served as bigint) as bytes_served,
        cast(_loaded_at as timestamp) as loaded_at
    from source

),

ranked as (

    select
        renamed.*,
        {{ redelivery_rank(key_columns) }} as redelivery_rank,
        {{ copies_received(key_columns) }} as copies_received
    from renamed

)

select * from ranked
