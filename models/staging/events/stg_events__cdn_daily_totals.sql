with

validated as (

    select * from {{ ref('val_events__cdn_daily_totals') }}

),

final as (

    select
        log_date,
        tenant_id,
        distribution,
        requests,
        bytes_served,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
