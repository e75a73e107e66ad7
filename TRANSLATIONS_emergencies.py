"""The emergencies feature's messages in Simplified and Traditional Chinese (en is the msgid):
the .po files are regenerated from this table when the branches are merged."""

TABLE = {
    "Make this ticket an emergency: alert the on-duty staff": (
        "将此工单设为紧急情况：通知值班人员",
        "將此工單設為緊急情況：通知值班人員",
    ),
    "Record an emergency's cause": ("记录紧急情况的原因", "記錄緊急情況的原因"),
    "Record what keeps an emergency from happening again": (
        "记录防止紧急情况再次发生的措施",
        "記錄防止緊急情況再次發生的措施",
    ),
    "Emergency {number} ({type}): on duty {staff}, please act now. First response due "
    "{response}, resolution due {resolution}.": (
        "紧急情况 {number}（{type}）：请值班人员 {staff} 立即处理。首次回复截止 {response}，"
        "解决截止 {resolution}。",
        "緊急情況 {number}（{type}）：請值班人員 {staff} 立即處理。首次回覆截止 {response}，"
        "解決截止 {resolution}。",
    ),
    "Emergency {number} ({type}): nobody is on the emergency rota now, whoever sees this "
    "please act. First response due {response}, resolution due {resolution}.": (
        "紧急情况 {number}（{type}）：目前无人值班，看到此消息的同事请立即处理。"
        "首次回复截止 {response}，解决截止 {resolution}。",
        "緊急情況 {number}（{type}）：目前無人值班，看到此訊息的同事請立即處理。"
        "首次回覆截止 {response}，解決截止 {resolution}。",
    ),
    "We are treating your request {number} as an emergency: our on-duty team has been "
    "alerted and will contact you here as soon as possible.": (
        "我们已将您的申请 {number} 作为紧急情况处理：值班团队已收到通知，会尽快在这里联系您。",
        "我們已將您的申請 {number} 作為緊急情況處理：值班團隊已收到通知，會盡快在這裡聯絡您。",
    ),
    "We are treating your request {number} as an emergency: our on-duty team has been "
    "alerted and will contact you here by {due}. If it is safe, turn off the water or power "
    "supply to the appliance meanwhile.": (
        "我们已将您的申请 {number} 作为紧急情况处理：值班团队已收到通知，将在 {due} 前在这里"
        "联系您。在此期间，如果安全，请关闭该设备的水源或电源。",
        "我們已將您的申請 {number} 作為緊急情況處理：值班團隊已收到通知，將在 {due} 前在這裡"
        "聯絡您。在此期間，如果安全，請關閉該設備的水源或電源。",
    ),
    "Emergency {number} is resolved. What caused it, and what will keep it from happening "
    "again? Send /cause followed by the cause and /prevent followed by the measure, here.": (
        "紧急情况 {number} 已解决。原因是什么？如何防止再次发生？请在这里发送 /cause 加原因，"
        "以及 /prevent 加预防措施。",
        "緊急情況 {number} 已解決。原因是什麼？如何防止再次發生？請在這裡發送 /cause 加原因，"
        "以及 /prevent 加預防措施。",
    ),
    "Asked staff for the emergency's cause and prevention.": (
        "已请员工填写紧急情况的原因和预防措施。",
        "已請員工填寫緊急情況的原因和預防措施。",
    ),
    "Emergency alert sent to the staff desk and the customer.": (
        "紧急警报已发送给客服台和客户。",
        "緊急警報已發送給客服台和客戶。",
    ),
    "Emergency": ("紧急情况", "緊急情況"),
    "not recorded yet": ("尚未记录", "尚未記錄"),
    "no answer yet": ("尚未回复", "尚未回覆"),
    "Thank you! Your emergency request {number} is open, and our on-duty team is being "
    "alerted now.": (
        "谢谢！您的紧急申请 {number} 已创建，我们正在通知值班团队。",
        "謝謝！您的緊急申請 {number} 已建立，我們正在通知值班團隊。",
    ),
    "🚨 Emergency (e.g. water leaking)": ("🚨 紧急情况（如漏水）", "🚨 緊急情況（如漏水）"),
    "Tell us in one message what is happening and where (the address): we alert our on-duty "
    "team as soon as you send it.": (
        "请用一条消息告诉我们发生了什么、在哪里（地址）：您发送后我们会立即通知值班团队。",
        "請用一則訊息告訴我們發生了什麼、在哪裡（地址）：您發送後我們會立即通知值班團隊。",
    ),
    "This ticket already is an emergency.": ("此工单已是紧急情况。", "此工單已是緊急情況。"),
    "This ticket is not open: only an open ticket can become an emergency.": (
        "此工单未处于处理中：只有处理中的工单才能设为紧急情况。",
        "此工單未處於處理中：只有處理中的工單才能設為緊急情況。",
    ),
    "Emergency raised by {name}: the on-duty staff, the escalation chat and the customer are "
    "being alerted.": (
        "{name} 已将其设为紧急情况：正在通知值班人员、升级群和客户。",
        "{name} 已將其設為緊急情況：正在通知值班人員、升級群組和客戶。",
    ),
    "Usage: /cause followed by what caused the emergency.": (
        "用法：/cause 后面写紧急情况的原因。",
        "用法：/cause 後面寫緊急情況的原因。",
    ),
    "Usage: /prevent followed by what will keep it from happening again.": (
        "用法：/prevent 后面写防止再次发生的措施。",
        "用法：/prevent 後面寫防止再次發生的措施。",
    ),
    "That is {length} characters: please keep it under {limit}. Nothing was saved.": (
        "共 {length} 个字符：请控制在 {limit} 个以内。未保存任何内容。",
        "共 {length} 個字元：請控制在 {limit} 個以內。未儲存任何內容。",
    ),
    "This ticket is not an emergency: /cause and /prevent are for emergencies (raise one with "
    "/emergency).": (
        "此工单不是紧急情况：/cause 和 /prevent 仅用于紧急情况（可用 /emergency 设为紧急）。",
        "此工單不是緊急情況：/cause 和 /prevent 僅用於緊急情況（可用 /emergency 設為緊急）。",
    ),
    "Cause recorded by {name}.": ("{name} 已记录原因。", "{name} 已記錄原因。"),
    "Preventive measure recorded by {name}.": (
        "{name} 已记录预防措施。",
        "{name} 已記錄預防措施。",
    ),
    "Emergencies": ("紧急情况", "緊急情況"),
    "%(number)s, raised %(raised)s: first response after %(response)s. Cause: %(cause)s. "
    "Prevention: %(prevention)s.": (
        "%(number)s，%(raised)s 发起：%(response)s 后首次回复。原因：%(cause)s。"
        "预防措施：%(prevention)s。",
        "%(number)s，%(raised)s 發起：%(response)s 後首次回覆。原因：%(cause)s。"
        "預防措施：%(prevention)s。",
    ),
    "raised %(time)s": ("发起于 %(time)s", "發起於 %(time)s"),
    "Cause: %(text)s": ("原因：%(text)s", "原因：%(text)s"),
    "Prevention: %(text)s": ("预防措施：%(text)s", "預防措施：%(text)s"),
}
