Attribute VB_Name = "SayPro"
' SayPro tracker: the Excel side of the Home-sheet buttons and the SayPro ribbon tab.
' Each control only names an action; Python (saypro_xl.excel.buttons) does the work
' through xlwings' RunPython. SayPro_SelfTest needs no Python, only macros enabled.
Option Explicit

Public Const SAYPRO_MARKER As String = "SayPro self-test OK"
Public Const SAYPRO_SELFTEST_SHEET As String = "Home"
Public Const SAYPRO_SELFTEST_CELL As String = "B21"

' Home-sheet buttons. Application.Caller is the clicked button's name, which Excel
' chooses ("Button 1"...), so the action is read from the button's caption instead.
Public Sub SayPro_Button()
    Dim caption As String
    On Error Resume Next
    caption = ActiveSheet.Shapes(Application.Caller).TextFrame.Characters.Text
    On Error GoTo 0
    SayPro_Run SayPro_ActionOfCaption(caption)
End Sub

' Ribbon buttons (customUI/customUI14.xml): every button calls this with its id.
Public Sub SayPro_Ribbon(control As IRibbonControl)
    SayPro_Run SayPro_ActionOfControl(control.Id)
End Sub

Public Function SayPro_ActionOfCaption(caption As String) As String
    Select Case caption
        Case "Validate": SayPro_ActionOfCaption = "validate"
        Case "Refresh": SayPro_ActionOfCaption = "refresh"
        Case "Findings report": SayPro_ActionOfCaption = "findings"
        Case "Timeline": SayPro_ActionOfCaption = "timeline"
        Case "Agenda": SayPro_ActionOfCaption = "agenda"
        Case "Leadership pack": SayPro_ActionOfCaption = "pack"
        Case "Email pack": SayPro_ActionOfCaption = "email"
        Case "Diagnosis workbook": SayPro_ActionOfCaption = "diagnosis"
        Case "Diagnostics": SayPro_ActionOfCaption = "diagnostics"
        Case "Self-test (no Python)": SayPro_ActionOfCaption = "selftest"
        Case Else: SayPro_ActionOfCaption = ""
    End Select
End Function

Public Function SayPro_ActionOfControl(controlId As String) As String
    Select Case controlId
        Case "SayProValidate": SayPro_ActionOfControl = "validate"
        Case "SayProRefresh": SayPro_ActionOfControl = "refresh"
        Case "SayProFindings": SayPro_ActionOfControl = "findings"
        Case "SayProTimeline": SayPro_ActionOfControl = "timeline"
        Case "SayProAgenda": SayPro_ActionOfControl = "agenda"
        Case "SayProPack": SayPro_ActionOfControl = "pack"
        Case "SayProEmail": SayPro_ActionOfControl = "email"
        Case "SayProDiagnosis": SayPro_ActionOfControl = "diagnosis"
        Case "SayProDiagnostics": SayPro_ActionOfControl = "diagnostics"
        Case Else: SayPro_ActionOfControl = ""
    End Select
End Function

' The one place that calls Python. Handlers show their own one-sentence result.
Public Sub SayPro_Run(action As String)
    Select Case action
        Case "validate": RunPython "import saypro_xl.excel.buttons as b; b.validate()"
        Case "refresh": RunPython "import saypro_xl.excel.buttons as b; b.refresh()"
        Case "findings": RunPython "import saypro_xl.excel.buttons as b; b.findings()"
        Case "timeline": RunPython "import saypro_xl.excel.buttons as b; b.timeline()"
        Case "agenda": SayPro_Agenda
        Case "pack": RunPython "import saypro_xl.excel.buttons as b; b.pack()"
        Case "email": RunPython "import saypro_xl.excel.buttons as b; b.email()"
        Case "diagnosis": RunPython "import saypro_xl.excel.buttons as b; b.diagnosis()"
        Case "diagnostics": RunPython "import saypro_xl.excel.buttons as b; b.diagnostics()"
        Case "selftest": SayPro_SelfTest
        Case Else
            MsgBox "This button is not connected to a SayPro action; rebuild the workbook with saypro-xl build-workbook.", vbExclamation, "SayPro"
    End Select
End Sub

' Asks which meeting; only the known kinds reach Python, so typed text never becomes code.
Public Sub SayPro_Agenda()
    Dim meeting As String
    meeting = LCase(Trim(InputBox("Which meeting? Type follow-up, weekly or monthly.", "SayPro agenda", "weekly")))
    Select Case meeting
        Case ""
            Exit Sub
        Case "follow-up": RunPython "import saypro_xl.excel.buttons as b; b.agenda('follow-up')"
        Case "weekly", "bi-weekly": RunPython "import saypro_xl.excel.buttons as b; b.agenda('weekly')"
        Case "monthly": RunPython "import saypro_xl.excel.buttons as b; b.agenda('monthly')"
        Case Else
            MsgBox "Unknown meeting """ & meeting & """: type follow-up, weekly or monthly.", vbExclamation, "SayPro"
    End Select
End Sub

' Proves macros run in this workbook without Python or xlwings: writes a marker on Home.
Public Sub SayPro_SelfTest()
    ThisWorkbook.Worksheets(SAYPRO_SELFTEST_SHEET).Range(SAYPRO_SELFTEST_CELL).Value = _
        SAYPRO_MARKER & " | " & Application.Name & " " & Application.Version & " | " & Format(Now, "yyyy-mm-dd hh:mm:ss")
End Sub
